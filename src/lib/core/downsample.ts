/**
 * Downsampling of metric series for drawing, M4-style.
 *
 * A chart a thousand pixels wide cannot show a million points, but it must not lie
 * about them either: a loss spike or a NaN between two drawn points is exactly what
 * the user is looking for. M4 (Jugel et al., "M4: A Visualization-Oriented Time Series
 * Data Aggregation", VLDB 2014) splits the x range into one bucket per pixel column
 * and keeps, per bucket, the first, minimum, maximum and last point: the rasterised
 * line is then the same as with every point drawn.
 *
 * Non-finite values are data here (a diverging run logs Infinity, then NaN), so on
 * top of M4 every bucket also keeps the first NaN, the first +Infinity and the first
 * -Infinity it contains, at their own positions; the chart turns them into a gap and
 * edge markers. Min and max are taken over finite values only; first and last are
 * whatever the bucket starts and ends with, so a bucket inside a run of NaN keeps
 * both ends of it (at most two points of one kind per bucket).
 *
 * Pure: no DOM. One pass over the input with preallocated typed arrays and no
 * per-point allocation (1M points take a few milliseconds).
 */
import { InvalidFieldError } from './errors';
import type { SeriesPoints } from './types';

/** Which column is the chart's x: the logged step or the wall-clock time (epoch ms). */
export type XAxis = 'step' | 'time';
export const X_AXES: readonly XAxis[] = ['step', 'time'];

export function xColumn(points: SeriesPoints, axis: XAxis): Float64Array {
	return axis === 'time' ? points.times : points.steps;
}

/**
 * Series up to this many times the bucket count are returned untouched: M4 keeps up
 * to four points per bucket, so below ~2× there is nothing worth saving.
 */
export const PASS_THROUGH_FACTOR = 2;

/** first, min, max, last, NaN, +Infinity, -Infinity. */
const MAX_KEPT_PER_BUCKET = 7;

/**
 * Indices (ascending) of the points M4 keeps when `x` is cut into `buckets` equal
 * ranges, or `null` when every point is kept (short series). `x` must be
 * non-decreasing; `values` is the same length. Throws on an unsorted `x`
 * (use {@link sortByX} first) or a bucket count that is not a positive number.
 */
export function downsampleIndices(x: Float64Array, values: Float64Array, buckets: number): Uint32Array | null {
	const indices = m4Indices(x, values, checkBuckets(buckets));
	if (indices === UNSORTED) {
		throw new InvalidFieldError('series x column', 'it must be sorted ascending without NaN; call sortByX first');
	}
	return indices;
}

/** Returned by m4Indices when x decreases (or holds NaN) somewhere. */
const UNSORTED = 'unsorted';

function m4Indices(x: Float64Array, values: Float64Array, bucketCount: number): Uint32Array | null | typeof UNSORTED {
	const n = Math.min(x.length, values.length);
	if (n <= PASS_THROUGH_FACTOR * bucketCount) return null;

	const x0 = x[0]!;
	const span = x[n - 1]! - x0;
	// All x equal (or a degenerate span): everything falls into bucket 0.
	const scale = span > 0 && Number.isFinite(span) ? bucketCount / span : 0;
	const lastBucket = bucketCount - 1;

	const out = new Uint32Array(Math.min(n, MAX_KEPT_PER_BUCKET * bucketCount));
	const scratch = new Int32Array(MAX_KEPT_PER_BUCKET);
	let outLen = 0;

	let bucket = -1;
	let nextEdge = -Infinity;
	let first = 0;
	let last = 0;
	let minI = -1;
	let maxI = -1;
	let minV = Infinity;
	let maxV = -Infinity;
	let nanI = -1;
	let posI = -1;
	let negI = -1;
	let prevX = -Infinity;

	for (let i = 0; i < n; i++) {
		const xi = x[i]!;
		if (!(xi >= prevX)) return UNSORTED;
		prevX = xi;
		// Bucket b holds the x with floor((x - x0) * scale) === b; comparing against the
		// next edge avoids a Math.floor per point (x is sorted, so buckets only grow).
		const pos = (xi - x0) * scale;
		if (pos >= nextEdge) {
			if (bucket >= 0) outLen = flushBucket(out, outLen, scratch, first, minI, maxI, last, nanI, posI, negI);
			bucket = Math.min(Math.floor(pos), lastBucket);
			nextEdge = bucket === lastBucket ? Infinity : bucket + 1;
			first = i;
			minI = -1;
			maxI = -1;
			minV = Infinity;
			maxV = -Infinity;
			nanI = -1;
			posI = -1;
			negI = -1;
		}
		const v = values[i]!;
		if (v > -Infinity && v < Infinity) {
			if (v < minV) {
				minV = v;
				minI = i;
			}
			if (v > maxV) {
				maxV = v;
				maxI = i;
			}
		} else if (v !== v) {
			if (nanI < 0) nanI = i;
		} else if (v > 0) {
			if (posI < 0) posI = i;
		} else if (negI < 0) {
			negI = i;
		}
		last = i;
	}
	outLen = flushBucket(out, outLen, scratch, first, minI, maxI, last, nanI, posI, negI);
	return out.slice(0, outLen);
}

/** Appends the distinct kept indices of one bucket in ascending order; returns the new length. */
function flushBucket(
	out: Uint32Array,
	outLen: number,
	scratch: Int32Array,
	first: number,
	minI: number,
	maxI: number,
	last: number,
	nanI: number,
	posI: number,
	negI: number
): number {
	let k = 0;
	scratch[k++] = first;
	scratch[k++] = last;
	if (minI >= 0) scratch[k++] = minI;
	if (maxI >= 0) scratch[k++] = maxI;
	if (nanI >= 0) scratch[k++] = nanI;
	if (posI >= 0) scratch[k++] = posI;
	if (negI >= 0) scratch[k++] = negI;
	// Insertion sort of at most 7 numbers.
	for (let i = 1; i < k; i++) {
		const v = scratch[i]!;
		let j = i - 1;
		while (j >= 0 && scratch[j]! > v) {
			scratch[j + 1] = scratch[j]!;
			j--;
		}
		scratch[j + 1] = v;
	}
	let prev = -1;
	for (let i = 0; i < k; i++) {
		const v = scratch[i]!;
		if (v !== prev) out[outLen++] = v;
		prev = v;
	}
	return outLen;
}

function checkBuckets(buckets: number): number {
	if (!Number.isFinite(buckets) || buckets < 1) {
		throw new InvalidFieldError('bucket count', `it must be a finite number ≥ 1 (about the chart's width in pixels), got ${String(buckets)}`);
	}
	return Math.floor(buckets);
}

/** The points at `indices`, as a new series (plain typed arrays). */
export function gather(points: SeriesPoints, indices: Uint32Array): SeriesPoints {
	const m = indices.length;
	const steps = new Float64Array(m);
	const times = new Float64Array(m);
	const values = new Float64Array(m);
	for (let j = 0; j < m; j++) {
		const i = indices[j]!;
		steps[j] = points.steps[i]!;
		times[j] = points.times[i]!;
		values[j] = points.values[i]!;
	}
	return { steps, times, values };
}

/** The values at `indices`, e.g. a smoothed column picked at the raw series' kept points. */
export function gatherColumn(column: Float64Array, indices: Uint32Array | null): Float64Array {
	if (indices === null) return column;
	const out = new Float64Array(indices.length);
	for (let j = 0; j < indices.length; j++) out[j] = column[indices[j]!]!;
	return out;
}

/** True when `x` never decreases (equal neighbours are fine) and holds no NaN. */
export function isSortedX(x: Float64Array): boolean {
	let prev = -Infinity;
	for (let i = 0; i < x.length; i++) {
		const v = x[i]!;
		if (!(v >= prev)) return false;
		prev = v;
	}
	return true;
}

/**
 * The series ordered by its x column: the same object when already sorted (the usual
 * case: steps are logged in order), else a stable-sorted copy. Wall time can go
 * backwards (clock adjustments, a resumed run on another machine). Points whose x is
 * NaN cannot be placed and are dropped (the store never writes them: steps and times
 * are validated as finite).
 */
export function sortByX(points: SeriesPoints, axis: XAxis): SeriesPoints {
	const x = xColumn(points, axis);
	if (isSortedX(x)) return points;
	let count = 0;
	for (let i = 0; i < x.length; i++) if (x[i] === x[i]) count++;
	const order = new Uint32Array(count);
	for (let i = 0, j = 0; i < x.length; i++) if (x[i] === x[i]) order[j++] = i;
	order.sort((a, b) => x[a]! - x[b]! || a - b);
	return gather(points, order);
}

/**
 * Downsamples a series for a chart about `buckets` pixels wide along `axis`: M4 plus
 * one point per kind of non-finite value per bucket. Short series come back as the
 * same object; unsorted ones are sorted first. The result is sorted by the x column.
 */
export function downsample(points: SeriesPoints, buckets: number, axis: XAxis = 'step'): SeriesPoints {
	const bucketCount = checkBuckets(buckets);
	if (points.values.length <= PASS_THROUGH_FACTOR * bucketCount) return sortByX(points, axis);
	let sorted = points;
	let indices = m4Indices(xColumn(sorted, axis), sorted.values, bucketCount);
	if (indices === UNSORTED) {
		sorted = sortByX(points, axis);
		indices = m4Indices(xColumn(sorted, axis), sorted.values, bucketCount);
		if (indices === UNSORTED) throw new Error('unreachable: sortByX returned an unsorted series');
	}
	return indices === null ? sorted : gather(sorted, indices);
}

export type NonFiniteKind = 'NaN' | 'Infinity' | '-Infinity';

/** Consecutive points (in series order) holding the same kind of non-finite value. */
export interface NonFiniteRun {
	kind: NonFiniteKind;
	/** Index of the first point of the run. */
	index: number;
	/** Points in the run. */
	count: number;
	fromStep: number;
	toStep: number;
	fromTime: number;
}

export interface NonFiniteScan {
	nan: number;
	posInf: number;
	negInf: number;
	/** The first `limit` runs in series order (a NaN stretch of 10,000 points is one run). */
	runs: NonFiniteRun[];
}

/** Counts NaN/±Infinity values and lists the first few runs of them (for a text summary). */
export function scanNonFinite(points: SeriesPoints, limit = 5): NonFiniteScan {
	const { values } = points;
	const scan: NonFiniteScan = { nan: 0, posInf: 0, negInf: 0, runs: [] };
	let open: NonFiniteRun | null = null;
	for (let i = 0; i < values.length; i++) {
		const v = values[i]!;
		if (v - v === 0) {
			open = null; // finite (v - v is NaN for NaN and ±Infinity)
			continue;
		}
		let kind: NonFiniteKind;
		if (v !== v) {
			scan.nan++;
			kind = 'NaN';
		} else if (v > 0) {
			scan.posInf++;
			kind = 'Infinity';
		} else {
			scan.negInf++;
			kind = '-Infinity';
		}
		if (open && open.kind === kind) {
			open.count++;
			open.toStep = points.steps[i]!;
		} else if (scan.runs.length < limit) {
			open = { kind, index: i, count: 1, fromStep: points.steps[i]!, toStep: points.steps[i]!, fromTime: points.times[i]! };
			scan.runs.push(open);
		} else {
			open = null;
		}
	}
	return scan;
}

/** How many finite values are ≤ 0 (they have no place on a log scale). */
export function countNonPositive(values: Float64Array): number {
	let count = 0;
	for (let i = 0; i < values.length; i++) if (values[i]! <= 0 && values[i] !== -Infinity) count++;
	return count;
}
