/**
 * One ingest's chunk writes: which chunks the store already has, writing the
 * ones it lacks (a few in flight, trailing the hashing), and the accounting
 * that names a quota failure with the bytes still needed.
 */
import type { CairnDb } from '$lib/store/db';
import { StorageQuotaError, throwIfAborted, type CancelSignal } from './ingest-errors';
import { isRemoteBytes, readRemote, type IngestSource, type RemoteBytes } from './piece-reader';

/**
 * Chunk writes in flight. IndexedDB serializes them anyway; a few queued keep it
 * busy while the next piece is hashed. Each holds a Blob (a file slice costs no
 * memory; a Blob made from bytes holds one chunk).
 */
const PUTS_IN_FLIGHT = 4;
/** Pieces whose chunk writes may trail the hashing (see storeBehind). */
const PIECES_BEHIND = 4;

/** Which of `hashes` the store holds. */
export async function storedHashes(db: CairnDb, hashes: string[]): Promise<Set<string>> {
	return new Set(await db.blobChunks.where('hash').anyOf(hashes).primaryKeys());
}

function isQuotaError(error: unknown): boolean {
	for (let e = error as { name?: unknown; inner?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
		if (e.name === 'QuotaExceededError') return true;
		e = (e.inner ?? e.cause) as typeof e;
	}
	return false;
}

function isConstraintError(error: unknown): boolean {
	const e = error as { name?: unknown; inner?: { name?: unknown } } | undefined;
	return e?.name === 'ConstraintError' || e?.inner?.name === 'ConstraintError';
}

export interface ChunkStoreOptions {
	db: CairnDb;
	/** The file being ingested: a Blob source's chunks are stored as slices of it. */
	source: IngestSource;
	size: number;
	chunkBytes: number;
	now: () => number;
	signal?: CancelSignal;
	label?: string;
}

/** The chunk writes of one ingest of `source`. */
export class ChunkStore {
	#newChunks = 0;
	#newBytes = 0;
	/** Bytes of this file known to be on the device (already there, or written). */
	#storedBytes = 0;
	/** Chunks already handled (a file may repeat a chunk). */
	readonly #seen = new Set<string>();
	readonly #puts = new Set<Promise<void>>();
	#putError: unknown;
	/** Pieces whose writes are queued behind the hashing: bounded so progress stays honest and the end does not wait long. */
	#behind: Promise<unknown> = Promise.resolve();
	#piecesBehind = 0;
	/** The buffer remoteChunk reads into (it crosses to the page and back). */
	#chunkBuffer: ArrayBuffer | undefined;
	readonly #opts: ChunkStoreOptions;

	constructor(opts: ChunkStoreOptions) {
		this.#opts = opts;
	}

	/** Chunks this ingest wrote (the others were already stored: dedup). */
	get newChunks() {
		return this.#newChunks;
	}
	get newBytes() {
		return this.#newBytes;
	}

	/** Rethrows a failed write; the caller waits for the other writes (settle), then names a quota failure (failure). */
	failOnPutError() {
		if (this.#putError !== undefined) throw this.#putError;
	}

	/** Waits for the queued pieces and the writes in flight (a failure is kept for failOnPutError). */
	async settle() {
		await this.#behind;
		await Promise.allSettled([...this.#puts]);
	}

	/** The error an ingest that failed with `error` throws: a quota failure becomes a StorageQuotaError naming the bytes still needed. */
	failure(error: unknown): unknown {
		const { label, size } = this.#opts;
		return isQuotaError(error) ? new StorageQuotaError(label, size, size - this.#storedBytes) : error;
	}

	/** Every chunk of the file is known stored (the re-ingest scan found them all). */
	markAllStored(chunks: readonly string[]) {
		for (const hash of chunks) this.#seen.add(hash);
		this.#storedBytes = this.#opts.size;
	}

	/**
	 * Looks up which of a piece's chunks the store lacks and writes those, in
	 * piece order; says whether any was new. Awaited in line only while no
	 * whole-file hash runs; otherwise queued with storeBehind.
	 */
	async storeNew(offset: number, hashes: string[], lengths: number[], views: Uint8Array<ArrayBuffer>[]): Promise<boolean> {
		const { db, chunkBytes, signal, label } = this.#opts;
		const present = await storedHashes(db, hashes);
		let anyNew = false;
		for (const [i, hash] of hashes.entries()) {
			const length = lengths[i] ?? 0;
			if (this.#seen.has(hash)) continue;
			this.#seen.add(hash);
			if (present.has(hash)) {
				this.#storedBytes += length;
				continue;
			}
			anyNew = true;
			throwIfAborted(signal, label);
			await this.#putChunk(hash, offset + i * chunkBytes, length, views[i] as Uint8Array<ArrayBuffer>);
		}
		return anyNew;
	}

	/**
	 * storeNew behind the hashing: IndexedDB starts a read only after the writes
	 * queued before it commit, so awaiting it in line would stall the whole-file
	 * hash on every write. Returns once the piece is queued (waiting while
	 * PIECES_BEHIND are); a failure is kept for failOnPutError.
	 */
	async storeBehind(offset: number, hashes: string[], lengths: number[], views: Uint8Array<ArrayBuffer>[]) {
		while (this.#piecesBehind >= PIECES_BEHIND) await this.#behind;
		this.#piecesBehind++;
		this.#behind = this.#behind
			.then(() => this.storeNew(offset, hashes, lengths, views))
			.catch((error: unknown) => void (this.#putError ??= error))
			.finally(() => this.#piecesBehind--);
	}

	/**
	 * `bytes` is used only for in-memory sources (never transferred); a Blob
	 * source's chunk is a slice of it, a RemoteBytes source's is read again
	 * (remoteChunk).
	 */
	async #putChunk(hash: string, offset: number, length: number, bytes: Uint8Array<ArrayBuffer>) {
		const { db, source, now } = this.#opts;
		while (this.#puts.size >= PUTS_IN_FLIGHT) await Promise.race(this.#puts);
		this.failOnPutError();
		const data =
			source instanceof Blob ? source.slice(offset, offset + length) : isRemoteBytes(source) ? await this.#remoteChunk(source, offset, length) : new Blob([bytes]);
		const put: Promise<void> = db.blobChunks.add({ hash, size: length, data, writtenAt: now() }).then(
			() => {
				this.#newChunks++;
				this.#newBytes += length;
				this.#storedBytes += length;
			},
			(error: unknown) => {
				// Another ingest stored the same bytes meanwhile: fine, not ours.
				if (isConstraintError(error)) this.#storedBytes += length;
				else this.#putError ??= error;
			}
		);
		this.#puts.add(put);
		void put.finally(() => this.#puts.delete(put));
	}

	/**
	 * A RemoteBytes chunk as a Blob made here from a second read into one reused
	 * buffer: the piece it was hashed from may have gone to the hashing thread.
	 * Blobs made on the page instead stayed in memory until its next garbage
	 * collection (≈ 1 GiB extra for a 1 GiB ingest), and their copies into fresh
	 * memory made long tasks there. Writes run one at a time, so one buffer does.
	 */
	async #remoteChunk(source: RemoteBytes, offset: number, length: number): Promise<Blob> {
		const into = this.#chunkBuffer?.byteLength === this.#opts.chunkBytes ? this.#chunkBuffer : new ArrayBuffer(this.#opts.chunkBytes);
		const view = await readRemote(source, new Uint8Array(into, 0, length), offset);
		this.#chunkBuffer = view.buffer;
		return new Blob([view]);
	}
}
