import { describe, expect, it } from 'vitest';
import { applyStandardizer, fitStandardizer } from '$lib/core/ml/standardize';

describe('standardisation', () => {
	const features = [
		[1, 10, 5],
		[3, 30, 5],
		[100, -7, 5]
	];

	it('is fitted on the given rows only', () => {
		const s = fitStandardizer(features, [0, 1]);
		expect([...s.mean]).toEqual([2, 20, 5]);
		expect([...s.std]).toEqual([1, 10, 1]);
		const x = applyStandardizer(features, s);
		expect([...x.subarray(0, 6)]).toEqual([-1, -1, 0, 1, 1, 0]);
		// The held-out row is transformed with the train statistics, not its own.
		expect([...x.subarray(6, 9)]).toEqual([98, -2.7, 0]);
	});

	it('only centres a constant feature instead of dividing by zero', () => {
		const x = applyStandardizer(features, fitStandardizer(features, [0, 1, 2]));
		for (let i = 0; i < 3; i++) expect(x[i * 3 + 2]).toBe(0);
		expect(x.every(Number.isFinite)).toBe(true);
	});
});
