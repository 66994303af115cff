/**
 * CSV export of metric series. Pure: yields the text in chunks so that the caller
 * (the series table) can hand each chunk to a Blob and yield to the event loop in
 * between; a 1M-point series is ~50 MB of text and must not block the main thread
 * in one go.
 *
 * Format (RFC 4180): header `step,time,split,value`, `\n` line ends, time as ISO 8601
 * UTC, numbers in JavaScript's shortest round-trip form, non-finite values written
 * as `NaN`, `Infinity` and `-Infinity` (what pandas' read_csv and numpy accept).
 */
import type { SeriesPoints } from './types';

export const CSV_HEADER = 'step,time,split,value';

/** Rows per chunk: ~0.3 MB of text, a few ms to build; the caller yields between chunks. */
export const CSV_CHUNK_ROWS = 5_000;

/** `NaN`, `Infinity`, `-Infinity` or the shortest string that reads back as the same number. */
export function formatNumber(value: number): string {
	return String(value);
}

const DAY_MS = 86_400_000;
/** Years 1970–9999 take the fast path; others go through Date (6-digit years, before 1970). */
const FAST_ISO_END_MS = Date.UTC(10_000, 0, 1);
/** One-entry cache of the date part: consecutive metric points are nearly always on the same day. */
let cachedDay = NaN;
let cachedDayText = '';

/**
 * ISO 8601 (UTC) of epoch milliseconds, exactly as `Date#toISOString`; the raw number
 * when it is not a valid date. Written by hand because toISOString made up most of
 * a CSV export's time (~1 µs a call).
 */
export function formatIsoTime(epochMs: number): string {
	if (!(epochMs >= 0 && epochMs < FAST_ISO_END_MS)) {
		const date = new Date(epochMs);
		return Number.isNaN(date.getTime()) ? String(epochMs) : date.toISOString();
	}
	const ms = Math.floor(epochMs);
	const day = Math.floor(ms / DAY_MS);
	if (day !== cachedDay) {
		cachedDay = day;
		cachedDayText = new Date(day * DAY_MS).toISOString().slice(0, 11); // "YYYY-MM-DDT"
	}
	let rest = ms - day * DAY_MS;
	const h = Math.floor(rest / 3_600_000);
	rest -= h * 3_600_000;
	const m = Math.floor(rest / 60_000);
	rest -= m * 60_000;
	const sec = Math.floor(rest / 1000);
	const milli = rest - sec * 1000;
	return `${cachedDayText}${pad2(h)}:${pad2(m)}:${pad2(sec)}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

function pad2(n: number): string {
	return n < 10 ? `0${n}` : `${n}`;
}

/** Quotes a field when it holds a comma, quote or line break (RFC 4180). */
export function csvField(text: string): string {
	return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The CSV of one series, in chunks: the header line first, then `chunkRows` rows per
 * chunk. Every chunk ends with a newline, so the chunks concatenate into the file.
 */
export function* seriesCsvChunks(
	points: SeriesPoints,
	split: string,
	chunkRows: number = CSV_CHUNK_ROWS
): Generator<string, void, undefined> {
	const rows = Math.max(1, Math.floor(chunkRows));
	const splitField = csvField(split);
	const n = Math.min(points.steps.length, points.times.length, points.values.length);
	yield `${CSV_HEADER}\n`;
	for (let start = 0; start < n; start += rows) {
		const end = Math.min(n, start + rows);
		const lines: string[] = new Array<string>(end - start);
		for (let i = start; i < end; i++) {
			lines[i - start] =
				`${formatNumber(points.steps[i]!)},${formatIsoTime(points.times[i]!)},${splitField},${formatNumber(points.values[i]!)}`;
		}
		yield `${lines.join('\n')}\n`;
	}
}

/** The whole CSV as one string (tests, small series). */
export function seriesCsv(points: SeriesPoints, split: string): string {
	let text = '';
	for (const chunk of seriesCsvChunks(points, split)) text += chunk;
	return text;
}

/**
 * `<run>-<key>-<split>.csv` with every character that is unsafe in a file name on
 * some OS (slashes in `loss/train`, colons, spaces…) replaced by `_`.
 */
export function seriesCsvFileName(run: string, key: string, split: string): string {
	const safe = (part: string) => part.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'series';
	return `${safe(run)}-${safe(key)}-${safe(split)}.csv`;
}
