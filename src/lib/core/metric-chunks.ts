/**
 * Packing of metric points. A series is stored as sealed chunks of
 * METRIC_CHUNK_POINTS points plus one open tail. Each chunk holds its points
 * column-wise — [steps | times | values] — in one Float64Array, whose bytes are
 * hashed to name the chunk (principle 3). Float64 keeps every value exact,
 * NaN and ±Infinity included.
 */
import { downsample } from './downsample';
import type { MetricSummary, SeriesId, SeriesPoints } from './types';

/**
 * 4,096 points × 24 B = 96 KiB per chunk. IndexedDB costs roughly 0.1 ms per
 * row, so one row per point caps at ~13 k points/s (TOOLCHAIN.md); 4,096 points
 * a row amortizes that to ~25 ns a point, and a 1 M-point series reads back in
 * ~250 rows. Much larger chunks would make every tail rewrite (each flush of a
 * live run) and every peer fetch needlessly big.
 */
export const METRIC_CHUNK_POINTS = 4096;

/**
 * Buckets of a sealed chunk's envelope (M4: first, min, max, last per bucket,
 * NaN and ±Inf kept). 32 buckets of 128 points: a 1 M-point series has a
 * ~31 k-point envelope, still finer than any screen, read with the chunk index
 * instead of 24 MB of chunks — so a chart can draw before the full read.
 */
export const ENVELOPE_BUCKETS = 32;

/** The envelope of a chunk's points, packed like a chunk ([steps | times | values]). */
export function chunkEnvelope(points: SeriesPoints): Float64Array<ArrayBuffer> {
	const env = downsample(points, ENVELOPE_BUCKETS, 'step');
	return packColumns(env, 0, env.values.length);
}

export function seriesId(key: string, split: string): SeriesId {
	return `${key}@${split}`;
}

/** Keys cannot contain `@` (validate.ts), so the last `@` separates the split. */
export function parseSeriesId(id: SeriesId): { key: string; split: string } {
	const at = id.lastIndexOf('@');
	return { key: id.slice(0, at), split: id.slice(at + 1) };
}

export function packColumns(src: SeriesPoints, from: number, to: number): Float64Array<ArrayBuffer> {
	const n = to - from;
	const out = new Float64Array(n * 3);
	out.set(src.steps.subarray(from, to), 0);
	out.set(src.times.subarray(from, to), n);
	out.set(src.values.subarray(from, to), 2 * n);
	return out;
}

/** Views into a packed chunk; no copy. */
export function unpackColumns(data: Float64Array<ArrayBuffer>): SeriesPoints {
	const n = data.length / 3;
	if (!Number.isInteger(n)) throw new RangeError(`A packed chunk must hold 3 columns; got ${data.length} numbers.`);
	return { steps: data.subarray(0, n), times: data.subarray(n, 2 * n), values: data.subarray(2 * n) };
}

export function emptySeries(): SeriesPoints {
	return { steps: new Float64Array(0), times: new Float64Array(0), values: new Float64Array(0) };
}

export function concatSeries(parts: readonly SeriesPoints[]): SeriesPoints {
	if (parts.length === 1 && parts[0]) return parts[0];
	let n = 0;
	for (const p of parts) n += p.steps.length;
	const out = { steps: new Float64Array(n), times: new Float64Array(n), values: new Float64Array(n) };
	let at = 0;
	for (const p of parts) {
		out.steps.set(p.steps, at);
		out.times.set(p.times, at);
		out.values.set(p.values, at);
		at += p.steps.length;
	}
	return out;
}

/** Folds points [from, to) into a running summary. */
export function summarize(prev: MetricSummary | undefined, key: string, split: string, src: SeriesPoints, from: number, to: number): MetricSummary {
	let min = prev?.min ?? NaN;
	let max = prev?.max ?? NaN;
	let nonFinite = prev?.nonFinite ?? 0;
	const values = src.values;
	for (let i = from; i < to; i++) {
		const v = values[i] as number;
		if (!Number.isFinite(v)) {
			nonFinite++;
			continue;
		}
		// NaN comparisons are false, so the first finite value replaces the NaN start.
		if (!(v >= min)) min = v;
		if (!(v <= max)) max = v;
	}
	if (to <= from && prev) return prev;
	return {
		key,
		split,
		last: values[to - 1] ?? prev?.last ?? NaN,
		lastStep: src.steps[to - 1] ?? prev?.lastStep ?? NaN,
		min,
		max,
		count: (prev?.count ?? 0) + (to - from),
		nonFinite
	};
}
