import { describe, expect, it } from 'vitest';
import { InvalidFieldError } from '$lib/core/errors';
import { emaSmooth } from '$lib/core/smoothing';
import { mulberry32 as rng } from '$lib/core/ml/prng';

/** Reference: TensorBoard's formula, written the slow and obvious way. */
function reference(values: number[], weight: number): number[] {
	let last = 0;
	let count = 0;
	return values.map((v) => {
		if (!Number.isFinite(v)) return v;
		last = last * weight + (1 - weight) * v;
		count++;
		return last / (1 - Math.pow(weight, count));
	});
}

describe('emaSmooth', () => {
	it('weight 0 is the identity (a copy)', () => {
		const input = Float64Array.from([3, NaN, 1, Infinity]);
		const out = emaSmooth(input, 0);
		expect(out).not.toBe(input);
		expect(Array.from(out)).toEqual([3, NaN, 1, Infinity]);
	});

	it('is debiased: the first point is the first value', () => {
		const out = emaSmooth(Float64Array.from([10, 0, 0]), 0.9);
		expect(out[0]).toBeCloseTo(10, 12);
		// second: (0.9·0.1·10 + 0.1·0) / (1 − 0.81) = 0.9/0.19
		expect(out[1]).toBeCloseTo(0.9 / 0.19, 12);
	});

	it('keeps NaN and ±Infinity at their positions without poisoning the average', () => {
		const input = [1, 2, NaN, 3, Infinity, 4, -Infinity, 5];
		const out = Array.from(emaSmooth(Float64Array.from(input), 0.6));
		expect(out[2]).toBeNaN();
		expect(out[4]).toBe(Infinity);
		expect(out[6]).toBe(-Infinity);
		const finite = reference([1, 2, 3, 4, 5], 0.6);
		expect([out[0], out[1], out[3], out[5], out[7]].map((v) => v!.toFixed(12))).toEqual(finite.map((v) => v.toFixed(12)));
	});

	it('leaves a constant series exactly constant', () => {
		const out = emaSmooth(Float64Array.from([0.1, 0.1, NaN, 0.1, 0.1]), 0.95);
		expect(Array.from(out)).toEqual([0.1, 0.1, NaN, 0.1, 0.1]);
	});

	it('handles empty and single-point series', () => {
		expect(emaSmooth(new Float64Array(0), 0.5).length).toBe(0);
		expect(Array.from(emaSmooth(Float64Array.from([7]), 0.5))).toEqual([7]);
	});

	it('rejects weights outside [0, 1) with a named error', () => {
		for (const w of [-0.1, 1, 1.5, NaN]) expect(() => emaSmooth(new Float64Array(3), w)).toThrow(InvalidFieldError);
	});

	it('matches the reference formula on random series', () => {
		const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
		console.log(`smoothing fuzz seed: ${seed} (re-run with FUZZ_SEED=${seed})`);
		const random = rng(seed);
		for (let round = 0; round < 100; round++) {
			const n = Math.floor(random() * 300);
			const weight = Math.floor(random() * 100) / 100;
			const values = Array.from({ length: n }, () => {
				const r = random();
				return r < 0.03 ? NaN : r < 0.05 ? Infinity : r < 0.07 ? -Infinity : (random() - 0.5) * 100;
			});
			const out = emaSmooth(Float64Array.from(values), weight);
			const want = reference(values, weight);
			for (let i = 0; i < n; i++) {
				const label = `seed ${seed} round ${round} i=${i} weight=${weight}`;
				if (!Number.isFinite(want[i]!)) expect(Object.is(out[i], want[i]), label).toBe(true);
				else expect(Math.abs(out[i]! - want[i]!), label).toBeLessThan(1e-9 * (1 + Math.abs(want[i]!)));
			}
		}
	});
});
