/**
 * Hashes and stores artifact files off the main thread (principle 6). Create it
 * through IngestPool (ingest-pool.ts), not directly. One job at a time.
 *
 * This module runs in two roles, told apart by the worker's name:
 * - the ingest worker (any name but HASHER_NAME) reads the file (a Blob, or
 *   bytes that stay on the page, copied over a range at a time), hashes its
 *   chunks (WebCrypto), writes the chunks the store lacks to IndexedDB, and
 * - feeds the whole-file SHA-256 to a hashing thread: the same module started
 *   again by the ingest worker as a nested worker named HASHER_NAME. The
 *   streamed SHA-256 keeps one core busy (≈ 320–350 MB/s); on its own thread it
 *   runs while this thread reads, instead of taking turns with the reads
 *   (measured on 1 GiB in Chromium: ≈ 190 MB/s in one thread, ≈ 275 in two).
 *
 * Errors cross back as plain `WireError` objects (Comlink would keep only an
 * Error's name and message); ingest-pool.ts turns them into the named errors.
 */
import * as Comlink from 'comlink';
import { CairnError } from '$lib/core/errors';
import { openDb, type CairnDb } from '$lib/store/db';
import { hashBytes, ingestBytes, isRemoteBytes, scanChunks, StorageQuotaError, type ChunkScanner, type CreateHasher, type IngestResult, type RemoteBytes } from './ingest-core';
import { createSha256, type Sha256 } from './sha256-wasm';

/** The page's side of RemoteBytes (piece-reader.ts), passed as a Comlink proxy. */
export type RemoteRead = (into: ArrayBuffer, at: number, offset: number, length: number) => ArrayBuffer | Promise<ArrayBuffer>;

export type IngestWorkerApi = {
	/** Stores `source` as chunks in the Dexie database `dbName` and returns its manifest. */
	ingest(dbName: string, source: Blob, options: IngestJobOptions, onProgress: (bytesDone: number) => void): Promise<IngestResult>;
	/** `ingest` of `size` bytes that stay on the page: `read` copies a range of them over when asked. */
	ingestRemote(dbName: string, size: number, read: RemoteRead, options: IngestJobOptions, onProgress: (bytesDone: number) => void): Promise<IngestResult>;
	/** The SHA-256 of `source`, storing nothing. */
	hash(source: Blob, onProgress: (bytesDone: number) => void): Promise<{ size: number; sha256: string }>;
	/** `hash` of `size` bytes that stay on the page. */
	hashRemote(size: number, read: RemoteRead, onProgress: (bytesDone: number) => void): Promise<{ size: number; sha256: string }>;
	/** Stops the running job soon; it rejects with IngestCancelledError. */
	cancel(): void;
};

export interface IngestJobOptions {
	chunkBytes?: number;
	label?: string;
}

/** The API of this module in its hashing-thread role. */
export type HasherThreadApi = {
	init(): void;
	/** Returns the buffer (transferred back, spent). */
	update(buffer: ArrayBuffer, offset: number, length: number): ArrayBuffer;
	digest(): string;
	/** `scanChunks` on this thread (idle while a re-logged file's chunks are hashed). */
	scan(source: Blob, start: number, end: number, chunkBytes: number, pieceBytes: number, onPiece: (offset: number, hashes: string[]) => boolean | Promise<boolean>): void;
	/** `scan` of bytes on the page, read through the ingest worker (`read` forwards there). */
	scanRemote(size: number, read: RemoteRead, start: number, end: number, chunkBytes: number, pieceBytes: number, onPiece: (offset: number, hashes: string[]) => boolean | Promise<boolean>): void;
};

/** A failure as it crosses the worker boundary. */
export interface WireError {
	cairnWireError: true;
	name: string;
	code: string | null;
	message: string;
	fileSize?: number;
	bytesNeeded?: number;
}

export const HASHER_NAME = 'cairn-sha256';

/** Progress messages at most this often (plus the last): each is a postMessage to the page. */
const PROGRESS_INTERVAL_MS = 50;
/**
 * Bytes handed to the hashing thread and not yet hashed, before the reader
 * waits: one 16 MiB piece queued behind the one being hashed. The reader, with
 * its reads ahead, refills it well before the hasher is through (the hasher is
 * the slower thread); a second queued piece only added to the peak memory.
 */
const HASHER_QUEUE_BYTES = 16 * 1024 * 1024;
/**
 * Bytes run through a new hasher before the first job: V8 compiles wasm with a
 * baseline tier first and optimizes hot functions after a while.
 */
const WARM_UP_BYTES = 16 * 1024 * 1024;

function warmUp(sha: Sha256) {
	const zeros = new Uint8Array(1024 * 1024);
	for (let done = 0; done < WARM_UP_BYTES; done += zeros.length) sha.update(zeros);
	sha.digest();
}

function startHasherThread() {
	// Compiled and warmed at once; calls made meanwhile wait for it.
	const ready = createSha256().then((sha) => {
		warmUp(sha);
		return sha;
	});
	const api = {
		async init() {
			(await ready).init();
		},
		async update(buffer: ArrayBuffer, offset: number, length: number) {
			(await ready).update(new Uint8Array(buffer, offset, length));
			// Hand the spent buffer back: the reading thread reads into it again
			// (PieceBuffers). Kept here, spent pieces were also collected late: this
			// thread allocates almost nothing (≈ 300 MiB held).
			return Comlink.transfer(buffer, [buffer]);
		},
		async digest() {
			return (await ready).digest();
		},
		async scan(source: Blob, start: number, end: number, chunkBytes: number, pieceBytes: number, onPiece: (offset: number, hashes: string[]) => boolean | Promise<boolean>) {
			// onPiece is the ingest worker's (a Comlink proxy): each answer is one round trip.
			await scanChunks(source, start, end, chunkBytes, pieceBytes, onPiece);
		},
		async scanRemote(size: number, read: RemoteRead, start: number, end: number, chunkBytes: number, pieceBytes: number, onPiece: (offset: number, hashes: string[]) => boolean | Promise<boolean>) {
			const source = remoteBytes(size, read);
			try {
				await scanChunks(source, start, end, chunkBytes, pieceBytes, onPiece);
			} finally {
				source.release();
			}
		}
	} satisfies { [K in keyof HasherThreadApi]: (...args: Parameters<HasherThreadApi[K]>) => Promise<ReturnType<HasherThreadApi[K]>> };
	// Exposed synchronously: messages that arrive before a listener exists are lost.
	Comlink.expose(api);
}

class HasherThreadError extends CairnError {
	override readonly name: string = 'HasherThreadError';
	constructor(why: string) {
		super('hasher_failed', `The hashing thread failed (${why}); try again, or reload the page.`);
	}
}

/** The nested hashing thread, started once and kept warm; `broken` rejects if it dies. */
let hasherThread: { remote: Comlink.Remote<HasherThreadApi>; broken: Promise<never> } | undefined;

function getHasherThread() {
	if (hasherThread) return hasherThread;
	const worker = new Worker(self.location.href, { type: 'module', name: HASHER_NAME });
	let fail: (error: Error) => void = () => {};
	const broken = new Promise<never>((_, reject) => (fail = reject));
	broken.catch(() => {});
	worker.addEventListener('error', (event) => {
		event.preventDefault();
		hasherThread = undefined;
		fail(new HasherThreadError(event.message || 'it could not be loaded'));
	});
	worker.addEventListener('messageerror', () => fail(new HasherThreadError('a message could not be read')));
	hasherThread = { remote: Comlink.wrap<HasherThreadApi>(worker), broken };
	return hasherThread;
}

/**
 * A StreamHasher whose work runs on the hashing thread; owned buffers are
 * transferred, not copied, and come back to `recycle` once hashed.
 */
const remoteHasher: CreateHasher = async (recycle) => {
	const { remote, broken } = getHasherThread();
	await Promise.race([remote.init(), broken]);
	let queued = 0;
	let failure: unknown;
	const pending = new Set<Promise<void>>();
	return {
		update(bytes, owned) {
			const copy = owned ? bytes : bytes.slice();
			const buffer = copy.buffer as ArrayBuffer;
			// Read before the transfer detaches the buffer (a detached view has length 0).
			const { byteOffset, byteLength } = copy;
			queued += byteLength;
			const call: Promise<void> = Promise.race([remote.update(Comlink.transfer(buffer, [buffer]), byteOffset, byteLength), broken]).then(
				(spent) => {
					queued -= byteLength;
					if (owned) recycle?.(spent);
				},
				(error: unknown) => void (failure ??= error)
			);
			pending.add(call);
			void call.finally(() => pending.delete(call));
		},
		async ready() {
			while (queued > HASHER_QUEUE_BYTES && pending.size > 0) await Promise.race(pending);
			if (failure !== undefined) throw failure;
		},
		async digest() {
			await Promise.all(pending);
			if (failure !== undefined) throw failure;
			return Promise.race([remote.digest(), broken]);
		}
	};
};

/** A ChunkScanner on the hashing thread: the second half of a re-logged file's chunks, hashed beside this thread's half. */
const remoteScanner: ChunkScanner = async (source, start, end, chunkBytes, pieceBytes, onPiece) => {
	const { remote, broken } = getHasherThread();
	let scan: Promise<void>;
	if (source instanceof Blob) scan = remote.scan(source, start, end, chunkBytes, pieceBytes, Comlink.proxy(onPiece));
	else if (isRemoteBytes(source)) {
		// Bytes on the page: the hashing thread's reads go through here (its buffers pass on to the page and back).
		const forward = Comlink.proxy(async (into: ArrayBuffer, at: number, offset: number, length: number) => {
			const filled = await source.read(into, at, offset, length);
			return Comlink.transfer(filled, [filled]);
		});
		scan = remote.scanRemote(source.remoteSize, forward, start, end, chunkBytes, pieceBytes, Comlink.proxy(onPiece));
	} else throw new TypeError('the hashing thread scans Blobs and bytes on the page, not bytes of this thread');
	await Promise.race([scan, broken]);
};

/** RemoteBytes over the page's proxy; `release` closes its port once the job is done. */
function remoteBytes(size: number, read: RemoteRead): RemoteBytes & { release(): void } {
	return {
		remoteSize: size,
		read: async (into, at, offset, length) => read(Comlink.transfer(into, [into]), at, offset, length),
		release: () => (read as unknown as Comlink.Remote<RemoteRead>)[Comlink.releaseProxy]()
	};
}

function toWire(error: unknown): WireError | unknown {
	if (!(error instanceof Error)) return error;
	const wire: WireError = { cairnWireError: true, name: error.name, code: error instanceof CairnError ? error.code : null, message: error.message };
	if (error instanceof StorageQuotaError) {
		wire.fileSize = error.fileSize;
		wire.bytesNeeded = error.bytesNeeded;
	}
	return wire;
}

function throttled(onProgress: (bytesDone: number) => void) {
	let last = 0;
	return (bytesDone: number, final = false) => {
		const now = performance.now();
		if (!final && now - last < PROGRESS_INTERVAL_MS) return;
		last = now;
		// Fire and forget: the page's answer is not waited for.
		void Promise.resolve(onProgress(bytesDone)).catch(() => {});
	};
}

function startIngestWorker() {
	const dbs = new Map<string, CairnDb>();
	let job: { aborted: boolean } | null = null;
	// Start the hashing thread now: compiling and warming it takes a moment.
	getHasherThread();

	const run = async <T>(fn: (signal: { aborted: boolean }) => Promise<T>): Promise<T> => {
		if (job) throw toWire(new CairnError('worker_busy', 'This ingest worker is already running a job; IngestPool queues jobs, use it.'));
		const signal = { aborted: false };
		job = signal;
		try {
			return await fn(signal);
		} catch (error) {
			throw toWire(error);
		} finally {
			job = null;
		}
	};

	const ingest = (dbName: string, source: Blob | RemoteBytes, options: IngestJobOptions, onProgress: (bytesDone: number) => void) =>
		run(async (signal) => {
			let db = dbs.get(dbName);
			if (!db) dbs.set(dbName, (db = openDb(dbName)));
			const progress = throttled(onProgress);
			const result = await ingestBytes(source, {
				db,
				now: Date.now,
				chunkBytes: options.chunkBytes,
				label: options.label,
				signal,
				onProgress: progress,
				createHasher: remoteHasher,
				scanChunks: remoteScanner
			});
			progress(result.size, true);
			return result;
		});
	const hash = (source: Blob | RemoteBytes, onProgress: (bytesDone: number) => void) =>
		run(async (signal) => {
			const progress = throttled(onProgress);
			const result = await hashBytes(source, { signal, onProgress: progress, createHasher: remoteHasher });
			progress(result.size, true);
			return result;
		});

	const api: IngestWorkerApi = {
		ingest,
		async ingestRemote(dbName, size, read, options, onProgress) {
			const source = remoteBytes(size, read);
			try {
				return await ingest(dbName, source, options, onProgress);
			} finally {
				source.release();
			}
		},
		hash,
		async hashRemote(size, read, onProgress) {
			const source = remoteBytes(size, read);
			try {
				return await hash(source, onProgress);
			} finally {
				source.release();
			}
		},
		cancel() {
			if (job) job.aborted = true;
		}
	};
	Comlink.expose(api);
}

if (self.name === HASHER_NAME) startHasherThread();
else startIngestWorker();
