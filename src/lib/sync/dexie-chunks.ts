/**
 * The browser's ChunkStore for the sync mesh: metric chunks and artifact
 * chunks live in their Dexie tables, named by SHA-256. The mesh verifies bytes
 * before `put`; `get` re-checks nothing because every local reader verifies
 * (artifact-bytes.ts) and a peer verifies on receipt.
 */
import type { CairnDb } from '$lib/store/db';
import type { ChunkKind, ChunkStore } from './mesh-types';

/** Column-packed metric chunks hold three Float64 columns: 24 bytes per point. */
const BYTES_PER_POINT = 24;

interface PendingPut {
	hash: string;
	kind: ChunkKind;
	metric?: Float64Array<ArrayBuffer>;
	blob?: Blob;
	size: number;
	done: () => void;
	failed: (error: unknown) => void;
}

interface PendingGet {
	hash: string;
	found: (data: Float64Array<ArrayBuffer> | undefined) => void;
	failed: (error: unknown) => void;
}

/**
 * Puts are written in batches: while one transaction commits, chunks that
 * arrive meanwhile queue and go in the next, together. A first sync brings
 * hundreds of chunks at once; one transaction each cost IndexedDB more than
 * the bytes did, and queued every page read behind them. An idle store writes
 * a lone chunk at once (no timer, no added latency).
 */
export class DexieChunkStore implements ChunkStore {
	#queue: PendingPut[] = [];
	#gets: PendingGet[] = [];
	#writing = false;

	constructor(
		private readonly db: CairnDb,
		/** `data`: a stored metric chunk's points as stored (the projection computes its envelope without reading it back). */
		private readonly onArrived: (hash: string, kind: ChunkKind, data?: Float64Array<ArrayBuffer>) => void,
		private readonly now: () => number = Date.now
	) {}

	async get(hash: string, kind: ChunkKind): Promise<Uint8Array | undefined> {
		if (kind === 'metric') {
			const data = await this.#getMetric(hash);
			return data ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined;
		}
		const row = await this.db.blobChunks.get(hash);
		return row ? new Uint8Array(await row.data.arrayBuffer()) : undefined;
	}

	/**
	 * Metric chunks asked for in one turn are read in one transaction: a first
	 * sync checks hundreds at once (are they here already?), and one read
	 * transaction each queued them behind the projection's write.
	 */
	#getMetric(hash: string): Promise<Float64Array<ArrayBuffer> | undefined> {
		return new Promise((found, failed) => {
			const first = this.#gets.length === 0;
			this.#gets.push({ hash, found, failed });
			if (first) queueMicrotask(() => void this.#readGets());
		});
	}

	async #readGets(): Promise<void> {
		const gets = this.#gets.splice(0);
		try {
			const rows = await this.db.metricChunks.bulkGet(gets.map((g) => g.hash));
			gets.forEach((g, i) => g.found(rows[i]?.data));
		} catch (error) {
			for (const g of gets) g.failed(error);
		}
	}

	put(hash: string, bytes: Uint8Array, kind: ChunkKind): Promise<void> {
		if (kind === 'metric' && bytes.byteLength % BYTES_PER_POINT !== 0)
			return Promise.reject(new RangeError(`metric chunk ${hash} is ${bytes.byteLength} bytes, not a multiple of ${BYTES_PER_POINT}`));
		return new Promise((done, failed) => {
			const copy = bytes.slice();
			this.#queue.push(
				kind === 'metric'
					? { hash, kind, metric: new Float64Array(copy.buffer), size: copy.byteLength, done, failed }
					: { hash, kind, blob: new Blob([copy]), size: copy.byteLength, done, failed }
			);
			if (!this.#writing) void this.#drain();
		});
	}

	async #drain(): Promise<void> {
		this.#writing = true;
		while (this.#queue.length) {
			const batch = this.#queue.splice(0);
			const metric = batch.filter((p) => p.metric);
			const blobs = batch.filter((p) => p.blob);
			try {
				await this.db.transaction('rw', [this.db.metricChunks, this.db.blobChunks], async () => {
					if (metric.length) await this.db.metricChunks.bulkPut(metric.map((p) => ({ hash: p.hash, points: p.size / BYTES_PER_POINT, data: p.metric as Float64Array<ArrayBuffer> })));
					if (blobs.length) {
						const writtenAt = this.now();
						await this.db.blobChunks.bulkPut(blobs.map((p) => ({ hash: p.hash, size: p.size, data: p.blob as Blob, writtenAt })));
					}
				});
			} catch (error) {
				for (const p of batch) p.failed(error);
				continue;
			}
			for (const p of batch) {
				this.onArrived(p.hash, p.kind, p.metric);
				p.done();
			}
		}
		this.#writing = false;
	}
}
