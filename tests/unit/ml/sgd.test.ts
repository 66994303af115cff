import { describe, expect, it } from 'vitest';
import type { ParamTensor } from '$lib/core/ml/model';
import { createSgd } from '$lib/core/ml/sgd';

function tensors(): ParamTensor[] {
	return [
		{ name: 'W', values: new Float64Array([1, -2]), decay: true },
		{ name: 'b', values: new Float64Array([1]), decay: false }
	];
}

describe('SGD', () => {
	it('takes a plain gradient step without momentum or L2', () => {
		const params = tensors();
		createSgd(params, { lr: 0.1, momentum: 0, l2: 0 }).step([new Float64Array([1, 1]), new Float64Array([2])]);
		expect([...params[0]!.values]).toEqual([0.9, -2.1]);
		expect([...params[1]!.values]).toEqual([0.8]);
	});

	it('applies L2 to weights only', () => {
		const params = tensors();
		createSgd(params, { lr: 0.5, momentum: 0, l2: 0.1 }).step([new Float64Array(2), new Float64Array(1)]);
		expect([...params[0]!.values]).toEqual([1 - 0.5 * 0.1 * 1, -2 - 0.5 * 0.1 * -2]);
		expect([...params[1]!.values]).toEqual([1]);
	});

	it('carries momentum over steps: v ← μv + g, w ← w − lr·v', () => {
		const params = tensors();
		const sgd = createSgd(params, { lr: 0.1, momentum: 0.9, l2: 0 });
		const g = [new Float64Array([1, 0]), new Float64Array([0])];
		sgd.step(g);
		sgd.step(g);
		// v1 = 1, v2 = 1.9 → w = 1 − 0.1·(1 + 1.9)
		expect(params[0]!.values[0]).toBeCloseTo(1 - 0.29, 15);
	});
});
