/**
 * Metric series in IndexedDB: sealed content-addressed chunks, a per-series
 * chunk index and an open tail. A flush commits chunks, index rows, tails and
 * the run's summaries as ONE change to the shared document, so after a crash
 * the store holds either all of a flush or none of it (principle 2).
 */
import { NotFoundError } from '$lib/core/errors';
import { concatSeries, emptySeries, unpackColumns } from '$lib/core/metric-chunks';
import type { MetricSummary, SeriesId, SeriesPoints } from '$lib/core/types';
import type { CairnDb, MetricChunkRow, SeriesChunkRow } from './db';
import type { SharedWrites } from './shared-writes';

export interface SeriesWrite {
	series: SeriesId;
	/** Newly sealed chunks, in order. */
	sealed: { chunk: MetricChunkRow; index: SeriesChunkRow }[];
	/** The open tail after this write; null when the series ends exactly on a chunk boundary. */
	tail: { seq: number; data: Float64Array<ArrayBuffer> } | null;
	summary: MetricSummary;
}

/**
 * Decoded chunks are immutable, so they can be cached by hash forever; the cap
 * bounds memory (points × 24 B ≈ 96 MiB at the default).
 */
const CHUNK_CACHE_POINTS = 4_000_000;

export class MetricRepository {
	#cache = new Map<string, SeriesPoints>();
	#cachedPoints = 0;

	constructor(
		private readonly db: CairnDb,
		private readonly shared: SharedWrites
	) {}

	/**
	 * Chunk bytes first (content-addressed, so a crash after this step leaves
	 * only unreferenced rows), then the index, tails and summaries in one change
	 * to the shared document; resolves once both are durable and projected.
	 */
	async commit(runId: string, writes: readonly SeriesWrite[], heartbeatAt: number): Promise<void> {
		if (!(await this.db.runs.get(runId))) throw new NotFoundError('run', runId);
		const chunks: MetricChunkRow[] = writes.flatMap((w) => w.sealed.map((s) => s.chunk));
		// Identical bytes share one row: putting the same hash again rewrites the same content.
		if (chunks.length) await this.db.metricChunks.bulkPut(chunks);
		await this.shared.commitMetrics({
			runId,
			sealed: writes.flatMap((w) =>
				w.sealed.map(({ index: { runId: _run, ...entry } }) => ({ ...entry, series: w.series }))
			),
			tails: writes.map((w) => ({ series: w.series, tail: w.tail })),
			summaries: Object.fromEntries(writes.map((w) => [w.series, w.summary])),
			heartbeatAt
		});
	}

	/** All points of one series, sealed chunks first, then the tail. */
	async readSeries(runId: string, series: SeriesId): Promise<SeriesPoints> {
		const { index, tail } = await this.#indexAndTail(runId, series);
		const parts = await this.#chunks(index.map((row) => row.hash));
		if (tail) parts.push(unpackColumns(tail.data));
		return parts.length ? concatSeries(parts) : emptySeries();
	}

	/**
	 * A series for drawing, read from the chunk index alone: each sealed chunk's
	 * envelope (M4, spikes and non-finite values kept) plus the exact tail.
	 * `complete` is true when it holds every point (nothing sealed yet); when an
	 * old row has no envelope it falls back to the full read.
	 */
	async readSeriesOverview(runId: string, series: SeriesId): Promise<{ points: SeriesPoints; complete: boolean }> {
		const { index, tail } = await this.#indexAndTail(runId, series);
		if (index.some((row) => !row.envelope)) return { points: await this.readSeries(runId, series), complete: true };
		const parts = index.map((row) => unpackColumns(row.envelope as Float64Array<ArrayBuffer>));
		if (tail) parts.push(unpackColumns(tail.data));
		return { points: parts.length ? concatSeries(parts) : emptySeries(), complete: index.length === 0 };
	}

	#indexAndTail(runId: string, series: SeriesId) {
		const { db } = this;
		return db.transaction('r', [db.seriesChunks, db.seriesTails], async () => {
			const [index, tail] = await Promise.all([
				db.seriesChunks.where('[runId+series+seq]').between([runId, series, -Infinity], [runId, series, Infinity]).toArray(),
				db.seriesTails.get([runId, series])
			]);
			return { index, tail };
		});
	}

	async #chunks(hashes: string[]): Promise<SeriesPoints[]> {
		const found = new Map<string, SeriesPoints>();
		const missing: string[] = [];
		for (const h of hashes) {
			const hit = this.#cache.get(h);
			if (hit) found.set(h, hit);
			else missing.push(h);
		}
		if (missing.length) {
			const rows = await this.db.metricChunks.bulkGet(missing);
			rows.forEach((row, i) => {
				if (!row) throw new NotFoundError('metric chunk', missing[i] ?? '?');
				const points = unpackColumns(row.data);
				found.set(row.hash, points);
				this.#remember(row.hash, points);
			});
		}
		return hashes.map((h) => found.get(h) as SeriesPoints);
	}

	#remember(hash: string, points: SeriesPoints): void {
		this.#cache.set(hash, points);
		this.#cachedPoints += points.steps.length;
		// Map iteration is insertion order: evict the oldest entries first.
		for (const [h, p] of this.#cache) {
			if (this.#cachedPoints <= CHUNK_CACHE_POINTS) break;
			this.#cache.delete(h);
			this.#cachedPoints -= p.steps.length;
		}
	}
}
