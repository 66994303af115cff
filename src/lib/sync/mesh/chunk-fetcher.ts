/**
 * Fetching content-addressed chunks from peers (ARCHITECTURE.md principle 3).
 *
 * One job per hash however many callers wait for it. A job asks one connected
 * peer at a time, in random order; bytes count only when their SHA-256 equals
 * the hash asked for; a peer that sends other bytes is reported and not asked
 * again for that chunk. When no connected peer has it, the job waits: it asks
 * again when a peer joins, and re-asks everyone every RETRY_MS (a teammate may
 * have fetched or logged it meanwhile). Callers stop waiting through an
 * AbortSignal or cancel(); the mesh stopping rejects every job.
 */
import { ARTIFACT_CHUNK_BYTES } from '$lib/core/artifacts';
import { sha256Hex } from '$lib/core/hash';
import { METRIC_CHUNK_POINTS } from '$lib/core/metric-chunks';
import type { ChunkKind, ChunkStore } from '../mesh-types';
import { ChunkUnavailableError } from './errors';

/**
 * Fetches are budgeted by the bytes they may bring, from the request until the
 * chunk is stored: 32 MiB bounds what is buffered and keeps the link free
 * enough for Yjs updates to get through between chunks — 8 artifact chunks
 * (4 MiB), but hundreds of metric chunks (96 KiB), which a newcomer needs by
 * the hundred right away. MAX_IN_FLIGHT caps the requests a peer has not
 * answered yet, so a peer is never asked to read hundreds of chunks from
 * IndexedDB at once. A chunk being stored holds bytes but no request: on a
 * first sync the local store is busy with the projection's big write, and
 * counting its commits against the requests made the fetches trickle.
 */
export const IN_FLIGHT_BYTES = 32 * 1024 * 1024;
export const MAX_IN_FLIGHT = 64;
/** The most a chunk of each kind can hold: 4 MiB artifact chunks; 4,096 points × 3 columns × 8 bytes. */
export const CHUNK_BYTES: Record<ChunkKind, number> = { artifact: ARTIFACT_CHUNK_BYTES, metric: METRIC_CHUNK_POINTS * 24 };
/** A peer that does not answer in a minute (4 MiB over a slow relay takes seconds) is skipped. */
export const REQUEST_TIMEOUT_MS = 60_000;
/** How often a waiting job asks all peers again. */
export const RETRY_MS = 3_000;

export interface FetcherHost {
	store: ChunkStore;
	/** Ids of the peers connected now. */
	peers(): string[];
	/** Sends chunk-want to the peer. */
	request(peerId: string, reqId: number, hash: string, kind: ChunkKind): void;
	reportBadPeer(peerId: string, reason: string): void;
	/** The number of pending jobs changed. */
	changed(): void;
	random: () => number;
}

interface Waiter {
	resolve(bytes: Uint8Array<ArrayBuffer>): void;
	reject(error: unknown): void;
}

interface Job {
	hash: string;
	kind: ChunkKind;
	waiters: Set<Waiter>;
	/** Peers asked since the last retry round (they said missing, timed out or left). */
	asked: Set<string>;
	/** Peers that sent wrong bytes: never asked again for this chunk. */
	lying: Set<string>;
	state: 'checking' | 'idle' | 'requesting' | 'verifying' | 'storing';
	request: { reqId: number; peerId: string; timer: ReturnType<typeof setTimeout> } | null;
}

export class ChunkFetcher {
	readonly #host: FetcherHost;
	readonly #jobs = new Map<string, Job>();
	readonly #byReqId = new Map<number, Job>();
	#nextReqId = 1;
	#retryTimer: ReturnType<typeof setTimeout> | null = null;
	#stopped = false;

	constructor(host: FetcherHost) {
		this.#host = host;
	}

	/** Chunk fetches queued or in flight. */
	get pending(): number {
		return this.#jobs.size;
	}

	fetch(hash: string, kind: ChunkKind, signal?: AbortSignal): Promise<Uint8Array<ArrayBuffer>> {
		if (this.#stopped) return Promise.reject(new ChunkUnavailableError(hash, 'the sync mesh is stopped'));
		if (signal?.aborted) return Promise.reject(new ChunkUnavailableError(hash, 'the fetch was aborted'));
		return new Promise((resolve, reject) => {
			let job = this.#jobs.get(hash);
			if (!job) {
				job = { hash, kind, waiters: new Set(), asked: new Set(), lying: new Set(), state: 'checking', request: null };
				this.#jobs.set(hash, job);
				this.#host.changed();
				void this.#checkLocal(job);
			}
			const onAbort = () => this.#dropWaiter(hash, waiter, new ChunkUnavailableError(hash, 'the fetch was aborted'));
			const waiter: Waiter = {
				resolve: (bytes) => {
					signal?.removeEventListener('abort', onAbort);
					resolve(bytes);
				},
				reject: (error) => {
					signal?.removeEventListener('abort', onAbort);
					reject(error);
				}
			};
			job.waiters.add(waiter);
			signal?.addEventListener('abort', onAbort, { once: true });
		});
	}

	/** Stops waiting for a chunk: every caller's promise rejects with ChunkUnavailableError. */
	cancel(hash: string, why = 'the fetch was cancelled'): void {
		const job = this.#jobs.get(hash);
		if (!job) return;
		this.#finish(job);
		for (const waiter of job.waiters) waiter.reject(new ChunkUnavailableError(hash, why));
	}

	onData(peerId: string, reqId: number, hash: string, bytes: Uint8Array<ArrayBuffer>): void {
		const job = this.#takeRequest(peerId, reqId);
		if (!job) return;
		if (hash !== job.hash) {
			this.#distrust(job, peerId, `answered a request for chunk ${job.hash.slice(0, 12)}… with chunk ${hash.slice(0, 12)}…`);
			return;
		}
		job.state = 'verifying';
		void this.#verify(job, peerId, bytes);
	}

	onMissing(peerId: string, reqId: number): void {
		const job = this.#takeRequest(peerId, reqId);
		if (!job) return;
		job.state = 'idle';
		this.#pump();
	}

	/** A peer joined: waiting jobs may find their chunk there. */
	peerJoined(): void {
		this.#pump();
	}

	/** A peer left: its unanswered requests go to the next peer. */
	peerLeft(peerId: string): void {
		for (const job of this.#jobs.values()) {
			if (job.request?.peerId === peerId) {
				this.#clearRequest(job);
				job.state = 'idle';
			}
		}
		this.#pump();
	}

	stop(): void {
		this.#stopped = true;
		if (this.#retryTimer) clearTimeout(this.#retryTimer);
		this.#retryTimer = null;
		for (const hash of [...this.#jobs.keys()]) this.cancel(hash, 'the sync mesh stopped');
	}

	async #checkLocal(job: Job): Promise<void> {
		let local: Uint8Array | undefined;
		try {
			local = await this.#host.store.get(job.hash, job.kind);
		} catch {
			local = undefined; // a store read error is no reason not to fetch
		}
		if (this.#jobs.get(job.hash) !== job) return;
		if (local) {
			this.#succeed(job, new Uint8Array(local));
			return;
		}
		job.state = 'idle';
		this.#pump();
	}

	async #verify(job: Job, peerId: string, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
		const actual = await sha256Hex(bytes);
		if (this.#jobs.get(job.hash) !== job) return;
		if (actual !== job.hash) {
			this.#distrust(job, peerId, `sent chunk ${job.hash.slice(0, 12)}… whose bytes hash to ${actual.slice(0, 12)}…`);
			return;
		}
		job.state = 'storing';
		this.#pump(); // its request is answered: the next one can go out while this one is stored
		try {
			await this.#host.store.put(job.hash, bytes, job.kind);
		} catch (error) {
			if (this.#jobs.get(job.hash) !== job) return;
			this.#finish(job);
			for (const waiter of job.waiters) waiter.reject(error);
			return;
		}
		if (this.#jobs.get(job.hash) === job) this.#succeed(job, bytes);
	}

	#succeed(job: Job, bytes: Uint8Array<ArrayBuffer>): void {
		this.#finish(job);
		for (const waiter of job.waiters) waiter.resolve(bytes);
	}

	#distrust(job: Job, peerId: string, reason: string): void {
		job.lying.add(peerId);
		job.state = 'idle';
		this.#host.reportBadPeer(peerId, reason);
		this.#pump();
	}

	/** The job whose request `reqId` was sent to `peerId`, now answered; null for stale or unasked answers. */
	#takeRequest(peerId: string, reqId: number): Job | null {
		const job = this.#byReqId.get(reqId);
		if (!job || job.request?.reqId !== reqId) return null; // answered after a timeout or cancel: ignore
		if (job.request.peerId !== peerId) {
			this.#host.reportBadPeer(peerId, `answered chunk request ${reqId}, which was sent to another peer`);
			return null;
		}
		this.#clearRequest(job);
		return job;
	}

	#clearRequest(job: Job): void {
		if (!job.request) return;
		clearTimeout(job.request.timer);
		this.#byReqId.delete(job.request.reqId);
		job.request = null;
	}

	#dropWaiter(hash: string, waiter: Waiter, error: ChunkUnavailableError): void {
		const job = this.#jobs.get(hash);
		if (!job?.waiters.has(waiter)) return;
		job.waiters.delete(waiter);
		waiter.reject(error);
		if (job.waiters.size === 0) this.#finish(job); // nobody waits any more: free its slot
	}

	#finish(job: Job): void {
		this.#clearRequest(job);
		if (this.#jobs.get(job.hash) !== job) return;
		this.#jobs.delete(job.hash);
		this.#host.changed();
		this.#pump();
	}

	#pump(): void {
		if (this.#stopped) return;
		let inFlight = 0;
		let inFlightBytes = 0;
		for (const job of this.#jobs.values()) {
			if (job.state === 'requesting') inFlight++;
			if (job.state === 'requesting' || job.state === 'verifying' || job.state === 'storing') inFlightBytes += CHUNK_BYTES[job.kind];
		}
		let waiting = false;
		const connected = this.#host.peers();
		for (const job of this.#jobs.values()) {
			if (job.state !== 'idle') continue;
			// Full: the next answer, timeout or cancel pumps again.
			if (inFlight >= MAX_IN_FLIGHT || inFlightBytes + CHUNK_BYTES[job.kind] > IN_FLIGHT_BYTES) break;
			const candidates = connected.filter((peerId) => !job.asked.has(peerId) && !job.lying.has(peerId));
			if (candidates.length === 0) {
				waiting = true;
				continue;
			}
			const peerId = candidates[Math.floor(this.#host.random() * candidates.length)] ?? candidates[0]!;
			this.#send(job, peerId);
			inFlight++;
			inFlightBytes += CHUNK_BYTES[job.kind];
		}
		if (waiting && !this.#retryTimer) {
			this.#retryTimer = setTimeout(() => {
				this.#retryTimer = null;
				for (const job of this.#jobs.values()) if (job.state === 'idle') job.asked.clear();
				this.#pump();
			}, RETRY_MS);
		}
	}

	#send(job: Job, peerId: string): void {
		const reqId = this.#nextReqId++;
		job.asked.add(peerId);
		job.state = 'requesting';
		const timer = setTimeout(() => {
			if (job.request?.reqId !== reqId) return;
			this.#clearRequest(job);
			job.state = 'idle';
			this.#pump();
		}, REQUEST_TIMEOUT_MS);
		job.request = { reqId, peerId, timer };
		this.#byReqId.set(reqId, job);
		this.#host.request(peerId, reqId, job.hash, job.kind);
	}
}
