import { describe, expect, it } from 'vitest';
import { argmax, softmaxCrossEntropyInPlace } from '$lib/core/ml/softmax';

describe('softmaxCrossEntropyInPlace', () => {
	it('turns logits into probabilities and returns −log p[label]', () => {
		const z = new Float64Array([1, 2, 3]);
		const loss = softmaxCrossEntropyInPlace(z, 3, 0);
		const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
		const sum = e[0]! + e[1]! + e[2]!;
		expect(z[0]).toBeCloseTo(e[0]! / sum, 15);
		expect(z[0]! + z[1]! + z[2]!).toBeCloseTo(1, 15);
		expect(loss).toBeCloseTo(-Math.log(e[0]! / sum), 14);
	});

	it('gives ln(classes) for equal logits', () => {
		expect(softmaxCrossEntropyInPlace(new Float64Array([0, 0, 0]), 3, 2)).toBeCloseTo(Math.log(3), 15);
	});

	it('stays finite for huge logits (no overflow, no log(0))', () => {
		const z = new Float64Array([1000, -1000, 0]);
		const loss = softmaxCrossEntropyInPlace(z, 3, 1);
		expect(loss).toBeCloseTo(2000, 9);
		expect([...z].every(Number.isFinite)).toBe(true);
		expect(softmaxCrossEntropyInPlace(new Float64Array([1000, -1000, 0]), 3, 0)).toBe(0);
	});
});

describe('argmax', () => {
	it('picks the largest, the first on ties', () => {
		expect(argmax(new Float64Array([0.1, 0.7, 0.2]), 3)).toBe(1);
		expect(argmax(new Float64Array([0.5, 0.5, 0]), 3)).toBe(0);
		expect(argmax(new Float64Array([0, 9, 10]), 2)).toBe(1);
	});
});
