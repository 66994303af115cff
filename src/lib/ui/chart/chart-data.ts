/**
 * Turns the series of one metric (one per split) into uPlot's aligned table.
 *
 * Per split: sort by the x column (a no-op pass for steps), smooth the full series
 * (smoothing is computed on every point, then sampled, so it does not depend on the
 * chart width), pick the M4 indices of the raw values for ~1 bucket per pixel column
 * (core/downsample) and take the raw and smoothed columns at those indices. Then
 * the splits are merged on a common x (a k-way merge of sorted columns, cheaper than
 * uPlot.join for a handful of series and it keeps duplicate x of one split).
 *
 * uPlot's conventions (uPlot.d.ts, `JoinNullMode`): `null` breaks the line, `undefined`
 * marks an alignment artifact the line is drawn across. So NaN and ±Infinity become
 * `null` (a gap) and are drawn separately as edge markers, values ≤ 0 become `null`
 * on a log scale, and rows where a split logged nothing are `undefined`.
 *
 * No DOM here (only uPlot's types), so it is unit-testable in node.
 */
import type uPlot from 'uplot';
import { countNonPositive, downsampleIndices, gatherColumn, scanNonFinite, sortByX, xColumn } from '$lib/core/downsample';
import type { NonFiniteKind, NonFiniteScan, XAxis } from '$lib/core/downsample';
import { emaSmooth } from '$lib/core/smoothing';
import type { SeriesPoints } from '$lib/core/types';

export interface ChartSeries {
	split: string;
	points: SeriesPoints;
}

export interface PrepareOptions {
	xAxis: XAxis;
	/** EMA weight in [0, 1); 0 = off. */
	smoothing: number;
	logScale: boolean;
	/** About the plot's width in CSS pixels. */
	buckets: number;
	/** Visible x range when zoomed: only points inside (plus one either side) are sampled. */
	xRange?: readonly [number, number] | null;
}

export interface SplitSummary {
	split: string;
	/** Points in the full series. */
	count: number;
	/** Points handed to uPlot for this split. */
	drawn: number;
	/** Last logged point (by step order), or null for an empty series. */
	last: { step: number; time: number; value: number } | null;
	nonFinite: NonFiniteScan;
	/** Finite values ≤ 0, counted only on a log scale (they are not drawn there). */
	nonPositive: number;
	/** Index in uPlot's data/series of the raw line. */
	rawSeries: number;
	/** Index of the smoothed line, or null when smoothing is off. */
	smoothSeries: number | null;
	/** The drawn points of this split: their rows in the table (ascending) and values. */
	rowOf: Uint32Array;
	rawValues: Float64Array;
	smoothValues: Float64Array | null;
}

export interface NonFiniteMarker {
	x: number;
	kind: NonFiniteKind;
	/** Position of the split in the input list (for its colour). */
	splitIndex: number;
}

export interface PreparedChart {
	data: uPlot.AlignedData;
	splits: SplitSummary[];
	/** At most one per kind per bucket and split (the downsampled non-finite points). */
	markers: NonFiniteMarker[];
	/** x extent of all the data (not only the visible range), or null when empty. */
	xExtent: readonly [number, number] | null;
	xRange: readonly [number, number] | null;
	/** Total rows in the aligned table. */
	rows: number;
}

/** What MetricChart reports after each draw that followed new data or a new size. */
export interface DrawInfo {
	/** From handing data to uPlot (new plot, setData or setSize) to the end of its draw hook. */
	drawMs: number;
	/** Downsampling, smoothing and join of the data that was drawn. */
	prepareMs: number;
	/** Points in the input series, all splits. */
	points: number;
	/** Rows handed to uPlot. */
	rows: number;
}

type Column = (number | null | undefined)[];

export function prepareChart(input: readonly ChartSeries[], options: PrepareOptions): PreparedChart {
	const { xAxis, smoothing, logScale, buckets } = options;
	const xRange = options.xRange ?? null;
	const xs: Float64Array[] = [];
	const raws: Float64Array[] = [];
	const smooths: (Float64Array | null)[] = [];
	const splits: SplitSummary[] = [];
	let extentMin = Infinity;
	let extentMax = -Infinity;
	let seriesIndex = 1;

	for (const { split, points } of input) {
		const sorted = sortByX(points, xAxis);
		const x = xColumn(sorted, xAxis);
		const n = x.length;
		if (n > 0) {
			extentMin = Math.min(extentMin, x[0]!);
			extentMax = Math.max(extentMax, x[n - 1]!);
		}
		const smoothedFull = smoothing > 0 ? smoothedOf(sorted.values, smoothing) : null;

		// Restrict to the visible range, keeping one point either side so the line
		// runs to the plot's edges.
		let from = 0;
		let to = n;
		if (xRange) {
			from = Math.max(0, lowerBound(x, xRange[0]) - 1);
			to = Math.min(n, upperBound(x, xRange[1]) + 1);
		}
		const xView = x.subarray(from, to);
		const rawView = sorted.values.subarray(from, to);
		const indices = downsampleIndices(xView, rawView, buckets);
		xs.push(gatherColumn(xView, indices));
		raws.push(gatherColumn(rawView, indices));
		smooths.push(smoothedFull ? gatherColumn(smoothedFull.subarray(from, to), indices) : null);

		const lastIndex = points.values.length - 1;
		splits.push({
			split,
			count: points.values.length,
			drawn: indices ? indices.length : to - from,
			last:
				lastIndex >= 0
					? { step: points.steps[lastIndex]!, time: points.times[lastIndex]!, value: points.values[lastIndex]! }
					: null,
			nonFinite: nonFiniteOf(points),
			nonPositive: logScale ? countNonPositive(points.values) : 0,
			rawSeries: seriesIndex,
			smoothSeries: smoothedFull ? seriesIndex + 1 : null,
			rowOf: new Uint32Array(0), // set after the merge
			rawValues: raws[raws.length - 1]!,
			smoothValues: smooths[smooths.length - 1] ?? null,
		});
		seriesIndex += smoothedFull ? 2 : 1;
	}

	const { x, rowsOf } = mergeSorted(xs);
	const rows = x.length;
	const data: [Float64Array, ...Column[]] = [x];
	const markers: NonFiniteMarker[] = [];
	for (let s = 0; s < splits.length; s++) {
		const rowOf = rowsOf[s]!;
		splits[s]!.rowOf = rowOf;
		const raw = raws[s]!;
		const rawColumn: Column = new Array<number | null | undefined>(rows);
		for (let j = 0; j < raw.length; j++) {
			const v = raw[j]!;
			const row = rowOf[j]!;
			if (v - v === 0) {
				rawColumn[row] = logScale && v <= 0 ? null : v;
			} else {
				rawColumn[row] = null;
				markers.push({ x: x[row]!, kind: v !== v ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity', splitIndex: s });
			}
		}
		data.push(rawColumn);
		const smooth = smooths[s];
		if (smooth) {
			const smoothColumn: Column = new Array<number | null | undefined>(rows);
			for (let j = 0; j < smooth.length; j++) {
				const v = smooth[j]!;
				smoothColumn[rowOf[j]!] = v - v === 0 && !(logScale && v <= 0) ? v : null;
			}
			data.push(smoothColumn);
		}
	}

	return {
		data,
		splits,
		markers,
		xExtent: extentMin <= extentMax ? [extentMin, extentMax] : null,
		xRange,
		rows,
	};
}

/*
 * Width-independent results per series, so that a resize or a zoom only re-samples.
 * Keyed by the value arrays: series are immutable once handed over (a live update
 * brings new arrays), and a WeakMap lets them go with the series.
 */
const smoothCache = new WeakMap<Float64Array, { weight: number; smoothed: Float64Array }>();
const scanCache = new WeakMap<Float64Array, NonFiniteScan>();

function smoothedOf(values: Float64Array, weight: number): Float64Array {
	const hit = smoothCache.get(values);
	if (hit && hit.weight === weight) return hit.smoothed;
	const smoothed = emaSmooth(values, weight);
	smoothCache.set(values, { weight, smoothed });
	return smoothed;
}

function nonFiniteOf(points: SeriesPoints): NonFiniteScan {
	let scan = scanCache.get(points.values);
	if (!scan) {
		scan = scanNonFinite(points);
		scanCache.set(points.values, scan);
	}
	return scan;
}

/**
 * The point of split `splitIndex` nearest in x to table row `row` (a split that logs
 * less often has no value on most rows), or null when the split drew nothing.
 */
export function nearestPoint(
	prepared: PreparedChart,
	splitIndex: number,
	row: number
): { x: number; value: number; smoothed: number | null } | null {
	const split = prepared.splits[splitIndex];
	const xs = prepared.data[0];
	if (!split || !xs || split.rowOf.length === 0) return null;
	const rows = split.rowOf;
	// First kept point at or after the row; compare it with the one before.
	let lo = 0;
	let hi = rows.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (rows[mid]! < row) lo = mid + 1;
		else hi = mid;
	}
	const target = xs[row] ?? 0;
	let j = Math.min(lo, rows.length - 1);
	if (lo > 0 && (lo === rows.length || Math.abs(xs[rows[lo - 1]!]! - target) <= Math.abs(xs[rows[lo]!]! - target))) j = lo - 1;
	return {
		x: xs[rows[j]!]!,
		value: split.rawValues[j]!,
		smoothed: split.smoothValues ? split.smoothValues[j]! : null,
	};
}

/**
 * k-way merge of sorted columns into one sorted x column. Equal x values of different
 * columns share a row; repeated x values within one column get rows of their own.
 * `rowsOf[k][j]` is the row of point j of column k.
 */
export function mergeSorted(columns: readonly Float64Array[]): { x: Float64Array; rowsOf: Uint32Array[] } {
	let total = 0;
	for (const c of columns) total += c.length;
	const merged = new Float64Array(total);
	const rowsOf = columns.map((c) => new Uint32Array(c.length));
	const heads = new Uint32Array(columns.length);
	let rows = 0;
	for (;;) {
		let min = Infinity;
		let any = false;
		for (let k = 0; k < columns.length; k++) {
			const column = columns[k]!;
			const h = heads[k]!;
			if (h < column.length && (!any || column[h]! < min)) {
				min = column[h]!;
				any = true;
			}
		}
		if (!any) break;
		for (let k = 0; k < columns.length; k++) {
			const column = columns[k]!;
			const h = heads[k]!;
			if (h < column.length && column[h] === min) {
				rowsOf[k]![h] = rows;
				heads[k] = h + 1;
			}
		}
		merged[rows++] = min;
	}
	return { x: merged.slice(0, rows), rowsOf };
}

/** First index with x[i] >= value. */
function lowerBound(x: Float64Array, value: number): number {
	let lo = 0;
	let hi = x.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (x[mid]! < value) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/** First index with x[i] > value. */
function upperBound(x: Float64Array, value: number): number {
	let lo = 0;
	let hi = x.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (x[mid]! <= value) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/** Recreate the plot (not just setData) when any of this changes. */
export function structureKey(input: readonly ChartSeries[], xAxis: XAxis, logScale: boolean, smoothing: number): string {
	return JSON.stringify([input.map((s) => s.split), xAxis, logScale, smoothing > 0]);
}
