/**
 * The page's side of artifact ingest: a small pool of ingest workers
 * (ingest.worker.ts), a queue for jobs beyond it, progress with a smoothed
 * rate, cancellation, and the named errors back from the worker.
 *
 * The main thread only posts the File (a handle, not its bytes) and receives a
 * progress message at most every 50 ms, so it stays free (principle 6).
 * ArrayBuffer sources are transferred to the worker: the caller's buffer is
 * detached (copying 1 GiB on the main thread would block it).
 *
 * `inProcessIngest(db)` runs the same pipeline on the calling thread, for Node
 * and tests; both fit the `Ingest` function type the SDK takes.
 */
import * as Comlink from 'comlink';
import { CairnError } from '$lib/core/errors';
import type { CairnDb } from '$lib/store/db';
import { hashBytes, IngestCancelledError, ingestBytes, sizeOf, SourceChangedError, StorageQuotaError, type IngestResult, type IngestSource } from './ingest-core';
import type { IngestWorkerApi, WireError } from './ingest.worker';

export { IngestCancelledError, SourceChangedError, StorageQuotaError, type IngestResult } from './ingest-core';

export interface IngestProgress {
	bytesDone: number;
	bytesTotal: number;
	/** Smoothed over about a second. */
	bytesPerSecond: number;
	/** From the smoothed rate; Infinity until there is one. */
	secondsLeft: number;
}

export interface IngestOptions {
	/** File name, for messages. */
	label?: string;
	onProgress?: (progress: IngestProgress) => void;
	signal?: AbortSignal;
}

/** What the SDK needs: store a file's chunks, return its manifest. IngestPool and inProcessIngest both provide one. */
export type Ingest = (source: Blob | ArrayBuffer | Uint8Array, options: IngestOptions) => Promise<IngestResult>;

/** The worker died or could not start; its job is lost (chunks it wrote stay until the GC sweeps them). */
export class IngestWorkerError extends CairnError {
	override readonly name: string = 'IngestWorkerError';
	constructor(why: string) {
		super('ingest_worker_failed', `The hashing worker failed (${why}). Try again; if it keeps failing, reload the page.`);
	}
}

/** Time constant of the rate's exponential smoothing: steady readings within a few seconds, no jitter from one message to the next. */
const RATE_SMOOTHING_MS = 1000;

/** Turns bytes-done readings into IngestProgress with an exponentially smoothed rate. */
export class ProgressMeter {
	readonly #total: number;
	readonly #now: () => number;
	#lastTime: number;
	#lastBytes = 0;
	#rate = 0;
	constructor(total: number, now: () => number = () => performance.now()) {
		this.#total = total;
		this.#now = now;
		this.#lastTime = now();
	}
	update(bytesDone: number): IngestProgress {
		const now = this.#now();
		const dt = now - this.#lastTime;
		if (dt > 0) {
			const instant = ((bytesDone - this.#lastBytes) / dt) * 1000;
			// The first reading sets the rate; later ones pull it by how much time passed.
			const weight = this.#rate === 0 ? 1 : 1 - Math.exp(-dt / RATE_SMOOTHING_MS);
			this.#rate += weight * (instant - this.#rate);
			this.#lastTime = now;
			this.#lastBytes = bytesDone;
		}
		const left = this.#total - bytesDone;
		return {
			bytesDone,
			bytesTotal: this.#total,
			bytesPerSecond: this.#rate,
			secondsLeft: left <= 0 ? 0 : this.#rate > 0 ? left / this.#rate : Infinity
		};
	}
}

function fromWire(error: unknown, label: string | undefined): unknown {
	const wire = error as Partial<WireError> | undefined;
	if (!wire || wire.cairnWireError !== true) return error;
	if (wire.name === 'IngestCancelledError') return new IngestCancelledError(label);
	if (wire.name === 'StorageQuotaError') return new StorageQuotaError(label, wire.fileSize ?? 0, wire.bytesNeeded ?? 0);
	const rebuilt = wire.code ? new CairnError(wire.code, wire.message ?? '') : new Error(wire.message);
	// Keep the worker's name so callers can match on it (CairnError's is read-only).
	Object.defineProperty(rebuilt, 'name', { value: wire.name ?? 'Error' });
	return rebuilt;
}

interface Slot {
	worker: Worker;
	remote: Comlink.Remote<IngestWorkerApi>;
	/** Rejects when the worker dies. */
	broken: Promise<never>;
	/** Rejects `broken`. */
	fail: (error: Error) => void;
	busy: boolean;
}

interface Job {
	run(slot: Slot): Promise<void>;
	/** Settled already (cancelled while queued): skip it. */
	settled(): boolean;
	fail(error: unknown): void;
}

function defaultWorker(): Worker {
	return new Worker(new URL('./ingest.worker.ts', import.meta.url), { type: 'module', name: 'cairn-ingest' });
}

export class IngestPool {
	readonly size: number;
	readonly #createWorker: () => Worker;
	readonly #slots: (Slot | null)[];
	readonly #queue: Job[] = [];
	#terminated = false;

	constructor(options: { size?: number; createWorker?: () => Worker } = {}) {
		// Two workers (each with its hashing thread) saturate two cores; more only contend.
		const cores = typeof navigator !== 'undefined' && navigator.hardwareConcurrency ? navigator.hardwareConcurrency : 2;
		this.size = Math.max(1, Math.floor(options.size ?? Math.min(2, cores)));
		this.#createWorker = options.createWorker ?? defaultWorker;
		this.#slots = Array.from({ length: this.size }, () => null);
	}

	/**
	 * Stores `source` as chunks in the database `dbName`; see ingestBytes.
	 * Bytes in memory stay here, neither copied whole nor detached: the worker
	 * asks for a range at a time (pageBytes), so they must not change until this
	 * resolves (SourceChangedError if their size does).
	 */
	ingest(source: Blob | ArrayBuffer | Uint8Array, options: IngestOptions & { dbName: string; chunkBytes?: number }): Promise<IngestResult> {
		const job = { chunkBytes: options.chunkBytes, label: options.label };
		if (source instanceof Blob) return this.#submit(source, options, (remote, onBytes) => remote.ingest(options.dbName, source, job, onBytes));
		const bytes = pageBytes(source, options.label);
		return this.#submit(source, options, (remote, onBytes) =>
			bytes.guard(remote.ingestRemote(options.dbName, bytes.size, bytes.read, job, onBytes))
		);
	}

	/** The SHA-256 of `source`, storing nothing (bytes in memory as for `ingest`). */
	hash(source: Blob | ArrayBuffer | Uint8Array, options: IngestOptions = {}): Promise<{ size: number; sha256: string }> {
		if (source instanceof Blob) return this.#submit(source, options, (remote, onBytes) => remote.hash(source, onBytes));
		const bytes = pageBytes(source, options.label);
		return this.#submit(source, options, (remote, onBytes) => bytes.guard(remote.hashRemote(bytes.size, bytes.read, onBytes)));
	}

	/** Stops every worker; running and queued jobs reject. */
	terminate() {
		if (this.#terminated) return;
		this.#terminated = true;
		for (const [i, slot] of this.#slots.entries()) {
			if (slot) this.#kill(slot, new IngestWorkerError('the pool was terminated'));
			this.#slots[i] = null;
		}
		for (const job of this.#queue.splice(0)) job.fail(new IngestWorkerError('the pool was terminated'));
	}

	#submit<T>(
		source: Blob | ArrayBuffer | Uint8Array,
		options: IngestOptions,
		call: (remote: Comlink.Remote<IngestWorkerApi>, onBytes: (bytesDone: number) => void) => Promise<T>
	): Promise<T> {
		const { label, signal, onProgress } = options;
		if (this.#terminated) return Promise.reject(new IngestWorkerError('the pool was terminated'));
		if (signal?.aborted) return Promise.reject(new IngestCancelledError(label));
		return new Promise<T>((resolve, reject) => {
			let settled = false;
			let slotInUse: Slot | null = null;
			const finish = (error: unknown, value?: T) => {
				if (settled) return;
				settled = true;
				signal?.removeEventListener('abort', onAbort);
				if (error === undefined) resolve(value as T);
				else reject(error);
			};
			const onAbort = () => {
				// Reject now; the worker stops at its next check and frees its slot then.
				if (slotInUse) void slotInUse.remote.cancel().catch(() => {});
				finish(new IngestCancelledError(label));
			};
			signal?.addEventListener('abort', onAbort, { once: true });
			const job: Job = {
				settled: () => settled,
				fail: (error) => finish(error),
				run: async (slot) => {
					slotInUse = slot;
					const meter = new ProgressMeter(sizeOf(source));
					const onBytes = Comlink.proxy((bytesDone: number) => {
						if (!settled) onProgress?.(meter.update(bytesDone));
					});
					try {
						const value = await Promise.race([call(slot.remote, onBytes), slot.broken]);
						finish(undefined, value);
					} catch (error) {
						finish(fromWire(error, label) ?? new IngestWorkerError('unknown failure'));
					}
				}
			};
			this.#queue.push(job);
			this.#pump();
		});
	}

	#pump() {
		for (let i = 0; i < this.#slots.length; i++) {
			let slot = this.#slots[i];
			if (slot?.busy) continue;
			let job = this.#queue.shift();
			while (job?.settled()) job = this.#queue.shift();
			if (!job) return;
			slot ??= this.#slots[i] = this.#spawn(i);
			slot.busy = true;
			const running = slot;
			void job.run(running).finally(() => {
				running.busy = false;
				this.#pump();
			});
		}
	}

	#spawn(index: number): Slot {
		const worker = this.#createWorker();
		const remote = Comlink.wrap<IngestWorkerApi>(worker);
		let fail: (error: Error) => void = () => {};
		const broken = new Promise<never>((_, reject) => (fail = reject));
		// Nobody may be awaiting `broken` when it rejects; that is not an unhandled error.
		broken.catch(() => {});
		const slot: Slot = { worker, remote, broken, fail, busy: false };
		const die = (why: string) => {
			this.#kill(slot, new IngestWorkerError(why));
			// The next job gets a fresh worker.
			if (this.#slots[index] === slot) this.#slots[index] = null;
		};
		worker.addEventListener('error', (event) => {
			event.preventDefault();
			die(event.message || 'it could not be loaded');
		});
		worker.addEventListener('messageerror', () => die('it sent a message that could not be read'));
		return slot;
	}

	#kill(slot: Slot, error: Error) {
		slot.fail(error);
		slot.remote[Comlink.releaseProxy]();
		slot.worker.terminate();
	}
}

/**
 * The page's side of RemoteBytes (piece-reader.ts): the worker asks for one
 * range at a time, so no task here copies more than REMOTE_READ_BYTES. A 1 GiB
 * array copied whole before its transfer (so the caller's stayed usable) had
 * blocked the main thread for 6.4–6.8 s. `guard` turns the job's failure into the
 * SourceChangedError a read found, if one did.
 */
function pageBytes(source: ArrayBuffer | Uint8Array, label: string | undefined) {
	const view = source instanceof Uint8Array ? source : new Uint8Array(source);
	const size = view.byteLength;
	let changed: SourceChangedError | undefined;
	const check = () => {
		if (view.byteLength !== size) throw (changed ??= new SourceChangedError(label, size, view.byteLength));
	};
	return {
		size,
		read: Comlink.proxy((into: ArrayBuffer, at: number, offset: number, length: number) => {
			check();
			new Uint8Array(into, at, length).set(view.subarray(offset, offset + length));
			return Comlink.transfer(into, [into]);
		}),
		guard: <T>(job: Promise<T>): Promise<T> =>
			job.catch((error: unknown) => {
				throw changed ?? error;
			})
	};
}

/** The pipeline on the calling thread: for Node, tests, and pages without workers. */
export function inProcessIngest(db: CairnDb, now: () => number = Date.now): Ingest {
	return (source, options) => runInProcess(source, options, (signal, onBytes) =>
		ingestBytes(source, { db, now, label: options.label, signal, onProgress: onBytes })
	);
}

/** `hashBytes` on the calling thread, with the same options and progress as IngestPool.hash. */
export function inProcessHash(): (source: Blob | ArrayBuffer | Uint8Array, options?: IngestOptions) => Promise<{ size: number; sha256: string }> {
	return (source, options = {}) => runInProcess(source, options, (signal, onBytes) => hashBytes(source, { label: options.label, signal, onProgress: onBytes }));
}

async function runInProcess<T>(
	source: IngestSource,
	options: IngestOptions,
	run: (signal: { readonly aborted: boolean }, onBytes: (bytesDone: number) => void) => Promise<T>
): Promise<T> {
	const meter = new ProgressMeter(sizeOf(source));
	const signal = options.signal ?? { aborted: false };
	return run(signal, (bytesDone) => options.onProgress?.(meter.update(bytesDone)));
}
