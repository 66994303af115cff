/**
 * Turns a run's buffered points into committed chunks. Flushes are serialized;
 * each one seals full chunks (hashing them with SHA-256), rewrites the open tail
 * and updates the run's summaries in one IndexedDB transaction.
 *
 * Nothing acknowledged is lost: points leave `uncommitted` only after their
 * transaction committed. A failed flush (quota, closed database) keeps them,
 * and the next flush retries them in order.
 */
import { sha256Hex } from '$lib/core/hash';
import { METRIC_CHUNK_POINTS, chunkEnvelope, concatSeries, emptySeries, packColumns, seriesId, summarize, unpackColumns } from '$lib/core/metric-chunks';
import type { MetricSummary, SeriesPoints } from '$lib/core/types';
import type { MetricRepository, SeriesWrite } from '$lib/store/metrics-repo';
import { SeriesBuffer } from './series-buffer';

interface SeriesState {
	id: string;
	key: string;
	split: string;
	buffer: SeriesBuffer;
	/** Taken from the buffer, not yet committed (a flush in flight or a failed one). */
	uncommitted: SeriesPoints[];
	/** Committed open tail, kept in memory so a flush never reads it back. */
	tail: SeriesPoints;
	/** Sealed chunks committed so far. */
	seq: number;
	summary: MetricSummary | undefined;
}

export class MetricWriter {
	readonly #bySplit = new Map<string, Map<string, SeriesState>>();
	readonly #all: SeriesState[] = [];
	#chain: Promise<void> = Promise.resolve();
	pending = 0;

	constructor(
		private readonly runId: string,
		private readonly repo: MetricRepository,
		private readonly now: () => number
	) {}

	/** Hot path. Inputs are already validated by the caller. */
	push(key: string, split: string, step: number, time: number, value: number): void {
		let keys = this.#bySplit.get(split);
		if (!keys) this.#bySplit.set(split, (keys = new Map()));
		let state = keys.get(key);
		if (!state) {
			state = { id: seriesId(key, split), key, split, buffer: new SeriesBuffer(), uncommitted: [], tail: emptySeries(), seq: 0, summary: undefined };
			keys.set(key, state);
			this.#all.push(state);
		}
		state.buffer.push(step, time, value);
		this.pending++;
	}

	/**
	 * Resolves when every point pushed before this call is committed. With
	 * `heartbeat`, commits even when no points are pending, to refresh the run's
	 * heartbeat; otherwise an idle flush writes nothing.
	 */
	flush(heartbeat = false): Promise<void> {
		const run = this.#chain.then(() => this.#flushOnce(heartbeat));
		this.#chain = run.catch(() => undefined);
		return run;
	}

	async #flushOnce(heartbeat: boolean): Promise<void> {
		this.pending = 0;
		const prepared: { state: SeriesState; write: SeriesWrite; tail: SeriesPoints; sealedCount: number }[] = [];
		for (const state of this.#all) {
			if (state.buffer.length) state.uncommitted.push(state.buffer.take());
			if (!state.uncommitted.length) continue;
			prepared.push(await this.#prepare(state));
		}
		if (!prepared.length && !heartbeat) return;
		await this.repo.commit(this.runId, prepared.map((p) => p.write), this.now());
		for (const { state, write, tail, sealedCount } of prepared) {
			state.uncommitted = [];
			state.tail = tail;
			state.seq += sealedCount;
			state.summary = write.summary;
		}
	}

	async #prepare(state: SeriesState) {
		const fresh = concatSeries(state.uncommitted);
		const all = state.tail.steps.length ? concatSeries([state.tail, fresh]) : fresh;
		const sealedCount = Math.floor(all.steps.length / METRIC_CHUNK_POINTS);
		const sealed = await Promise.all(
			Array.from({ length: sealedCount }, async (_, i) => {
				const from = i * METRIC_CHUNK_POINTS;
				const to = from + METRIC_CHUNK_POINTS;
				const data = packColumns(all, from, to);
				const hash = await sha256Hex(data);
				return {
					chunk: { hash, points: METRIC_CHUNK_POINTS, data },
					index: {
						runId: this.runId,
						series: state.id,
						seq: state.seq + i,
						hash,
						points: METRIC_CHUNK_POINTS,
						firstStep: all.steps[from] as number,
						lastStep: all.steps[to - 1] as number,
						envelope: chunkEnvelope(unpackColumns(data))
					}
				};
			})
		);
		const rest = sealedCount * METRIC_CHUNK_POINTS;
		const tailData = rest < all.steps.length ? packColumns(all, rest, all.steps.length) : null;
		const write: SeriesWrite = {
			series: state.id,
			sealed,
			tail: tailData ? { seq: state.seq + sealedCount, data: tailData } : null,
			summary: summarize(state.summary, state.key, state.split, fresh, 0, fresh.steps.length)
		};
		return { state, write, tail: tailData ? unpackColumns(tailData) : emptySeries(), sealedCount };
	}
}
