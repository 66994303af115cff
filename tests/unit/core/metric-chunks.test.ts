import { describe, expect, it } from 'vitest';
import { concatSeries, packColumns, parseSeriesId, seriesId, summarize, unpackColumns } from '$lib/core/metric-chunks';

const series = (values: number[]) => ({
	steps: Float64Array.from(values, (_, i) => i),
	times: Float64Array.from(values, (_, i) => 1000 + i),
	values: Float64Array.from(values)
});

describe('metric chunks', () => {
	it('packs column-wise and unpacks to the same points, NaN and ±Infinity included', () => {
		const src = series([1, NaN, Infinity, -Infinity, 0.5]);
		const packed = packColumns(src, 1, 4);
		const back = unpackColumns(packed);
		expect([...back.steps]).toEqual([1, 2, 3]);
		expect([...back.times]).toEqual([1001, 1002, 1003]);
		expect([...back.values]).toEqual([NaN, Infinity, -Infinity]);
	});
	it('concatenates in order', () => {
		const all = concatSeries([series([1, 2]), series([3])]);
		expect([...all.values]).toEqual([1, 2, 3]);
	});
	it('series ids round-trip even when keys contain dots and slashes', () => {
		expect(parseSeriesId(seriesId('val/acc.top-1', 'holdout'))).toEqual({ key: 'val/acc.top-1', split: 'holdout' });
	});
	it('summaries ignore non-finite values for min/max but count them', () => {
		const a = summarize(undefined, 'loss', 'train', series([NaN, 3, Infinity]), 0, 3);
		expect(a).toMatchObject({ min: 3, max: 3, count: 3, nonFinite: 2, last: Infinity, lastStep: 2 });
		const b = summarize(a, 'loss', 'train', series([7, 1]), 0, 2);
		expect(b).toMatchObject({ min: 1, max: 7, count: 5, nonFinite: 2, last: 1 });
		const none = summarize(undefined, 'loss', 'train', series([NaN]), 0, 1);
		expect(Number.isNaN(none.min) && Number.isNaN(none.max)).toBe(true);
	});
});
