import { describe, expect, it } from 'vitest';
import type { SeriesPoints } from '$lib/core/types';
import { mergeSorted, nearestPoint, prepareChart, structureKey } from '$lib/ui/chart/chart-data';

function points(steps: number[], values: number[]): SeriesPoints {
	return {
		steps: Float64Array.from(steps),
		times: Float64Array.from(steps.map((s) => 1_700_000_000_000 + s)),
		values: Float64Array.from(values),
	};
}

const base = { xAxis: 'step', smoothing: 0, logScale: false, buckets: 100 } as const;

describe('mergeSorted', () => {
	it('shares rows for equal x across columns and keeps repeats within one column', () => {
		const { x, rowsOf } = mergeSorted([Float64Array.from([0, 2, 2, 5]), Float64Array.from([2, 3, 5])]);
		expect(Array.from(x)).toEqual([0, 2, 2, 3, 5]);
		expect(Array.from(rowsOf[0]!)).toEqual([0, 1, 2, 4]);
		expect(Array.from(rowsOf[1]!)).toEqual([1, 3, 4]);
	});

	it('handles no columns and empty columns', () => {
		expect(mergeSorted([]).x.length).toBe(0);
		expect(Array.from(mergeSorted([new Float64Array(0), Float64Array.from([1])]).x)).toEqual([1]);
	});
});

describe('prepareChart', () => {
	it('aligns splits: null for gaps, undefined where a split has no point', () => {
		const p = prepareChart(
			[
				{ split: 'train', points: points([0, 1, 2, 3], [1, NaN, Infinity, 0.5]) },
				{ split: 'val', points: points([1, 3], [0.9, -Infinity]) },
			],
			base
		);
		expect(Array.from(p.data[0])).toEqual([0, 1, 2, 3]);
		expect(p.data[1]).toEqual([1, null, null, 0.5]);
		expect(p.data[2]).toEqual([undefined, 0.9, undefined, null]);
		expect(p.markers).toEqual([
			{ x: 1, kind: 'NaN', splitIndex: 0 },
			{ x: 2, kind: 'Infinity', splitIndex: 0 },
			{ x: 3, kind: '-Infinity', splitIndex: 1 },
		]);
		expect(p.splits.map((s) => [s.split, s.count, s.rawSeries, s.smoothSeries])).toEqual([
			['train', 4, 1, null],
			['val', 2, 2, null],
		]);
		expect(p.splits[1]!.last).toEqual({ step: 3, time: 1_700_000_000_003, value: -Infinity });
		expect(p.xExtent).toEqual([0, 3]);
	});

	it('drops values ≤ 0 on a log scale and counts them', () => {
		const p = prepareChart([{ split: 'train', points: points([0, 1, 2], [1, 0, -3]) }], { ...base, logScale: true });
		expect(p.data[1]).toEqual([1, null, null]);
		expect(p.splits[0]!.nonPositive).toBe(2);
	});

	it('adds a smoothed column after each raw one', () => {
		const p = prepareChart(
			[
				{ split: 'train', points: points([0, 1, 2], [1, 2, NaN]) },
				{ split: 'val', points: points([0, 2], [3, 3]) },
			],
			{ ...base, smoothing: 0.5 }
		);
		expect(p.data.length).toBe(5);
		expect(p.splits.map((s) => [s.rawSeries, s.smoothSeries])).toEqual([
			[1, 2],
			[3, 4],
		]);
		const smoothTrain = p.data[2] as (number | null)[];
		expect(smoothTrain[0]).toBeCloseTo(1);
		expect(smoothTrain[1]).toBeCloseTo((0.5 * 0.5 * 1 + 0.5 * 2) / 0.75);
		expect(smoothTrain[2]).toBeNull();
	});

	it('downsamples a long series and samples only the zoomed range', () => {
		const n = 100_000;
		const steps = Array.from({ length: n }, (_, i) => i);
		const values = steps.map((i) => Math.sin(i / 100));
		values[54_321] = 42;
		const full = prepareChart([{ split: 'train', points: points(steps, values) }], base);
		expect(full.rows).toBeLessThanOrEqual(7 * 100);
		expect(full.data[1]).toContain(42);
		const zoomed = prepareChart([{ split: 'train', points: points(steps, values) }], { ...base, xRange: [50_000, 51_000] });
		const xs = Array.from(zoomed.data[0]);
		expect(xs[0]).toBe(49_999); // one point of margin either side
		expect(xs[xs.length - 1]).toBe(51_001);
		expect(zoomed.rows).toBeGreaterThan(full.rows / 2);
	});

	it('sorts by wall time when the x axis is time', () => {
		const p = prepareChart(
			[{ split: 'train', points: { steps: Float64Array.from([0, 1, 2]), times: Float64Array.from([30, 10, 20]), values: Float64Array.from([3, 1, 2]) } }],
			{ ...base, xAxis: 'time' }
		);
		expect(Array.from(p.data[0])).toEqual([10, 20, 30]);
		expect(p.data[1]).toEqual([1, 2, 3]);
	});
});

describe('nearestPoint', () => {
	it('finds the nearest point of a sparse split, with its raw value', () => {
		const p = prepareChart(
			[
				{ split: 'train', points: points([0, 1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 1, 1]) },
				{ split: 'val', points: points([0, 5], [0.5, NaN]) },
			],
			base
		);
		expect(nearestPoint(p, 1, 1)).toEqual({ x: 0, value: 0.5, smoothed: null });
		expect(nearestPoint(p, 1, 4)!.x).toBe(5);
		expect(nearestPoint(p, 1, 6)!.value).toBeNaN();
		expect(nearestPoint(p, 0, 3)).toEqual({ x: 3, value: 1, smoothed: null });
		expect(nearestPoint(p, 2, 3)).toBeNull();
	});
});

describe('structureKey', () => {
	it('changes with the split set, axis, log scale and smoothing on/off only', () => {
		const a = [{ split: 'train', points: points([0], [1]) }];
		const key = structureKey(a, 'step', false, 0.5);
		expect(structureKey(a, 'step', false, 0.9)).toBe(key);
		expect(structureKey(a, 'step', false, 0)).not.toBe(key);
		expect(structureKey(a, 'time', false, 0.5)).not.toBe(key);
		expect(structureKey([...a, { split: 'val', points: points([0], [1]) }], 'step', false, 0.5)).not.toBe(key);
	});
});
