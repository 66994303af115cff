/**
 * Keeps every chunk the workspace document references on disk. The always-on
 * peer is the team's archive, so unlike a browser (which fetches artifact
 * chunks on demand) it fetches metric AND artifact chunks eagerly, as soon as
 * the document names them (the `series` and `versions` root maps), and keeps
 * them even after a version is deleted (no garbage collection: an archive).
 *
 * The mesh's fetchChunk waits (it re-asks peers as they come) until someone
 * sends verified bytes. The archiver keeps at most FETCH_CONCURRENCY such
 * fetches open and gives each FETCH_PATIENCE_MS: a chunk nobody online holds
 * (its author went offline before anyone fetched it) is set aside with a
 * back-off, so it cannot hold a slot that a chunk someone does hold could use.
 * Set-aside chunks are tried again when the back-off ends, and at once when a
 * peer arrives.
 */
import type * as Y from 'yjs';
import { referencedChunks, root } from '$lib/sync/doc-schema';
import type { ChunkKind } from '$lib/sync/mesh-types';
import { isChunkHash } from './disk-chunks';

/** Sync delivers a workspace as bursts of updates; look at the references once the burst settles. */
export const SCAN_DEBOUNCE_MS = 200;
/**
 * Fetches open at once. The mesh sends at most 8 requests at a time itself; this
 * bounds the jobs queued behind them (its scheduler walks every job on each
 * answer, so handing it a 100,000-chunk backfill at once would be quadratic).
 */
export const FETCH_CONCURRENCY = 64;
/** How long one fetch may wait before its slot goes to another chunk. Above the mesh's 60 s per-request timeout would starve; a 4 MiB chunk over a slow relay still fits. */
export const FETCH_PATIENCE_MS = 30_000;
/** First retry of a failed fetch; doubles per failure up to RETRY_MAX_MS. */
export const RETRY_MIN_MS = 2_000;
export const RETRY_MAX_MS = 60_000;

export interface ChunkArchiverStore {
	has(hash: string): Promise<boolean>;
	put(hash: string, bytes: Uint8Array, kind: ChunkKind): Promise<void>;
}

export interface ChunkArchiverOptions {
	doc: Y.Doc;
	store: ChunkArchiverStore;
	/** Hashes already on disk (DiskChunkStore.list()). The archiver adds to it. */
	held: Set<string>;
	/** Resolves with verified bytes (SyncMesh.fetchChunk); should stop waiting when `signal` aborts. */
	fetchChunk: (hash: string, kind: ChunkKind, signal: AbortSignal) => Promise<Uint8Array>;
	/** Counts changed. */
	onChange?: () => void;
	warn?: (message: string) => void;
	debounceMs?: number;
	concurrency?: number;
	retryMinMs?: number;
	patienceMs?: number;
}

export interface ArchiveCounts {
	/** Distinct chunks the document references. */
	referenced: number;
	/** Chunks on disk (referenced or not). */
	held: number;
	/** Referenced but not on disk yet: queued, fetching, or waiting to retry. */
	pending: number;
	/** Of `pending`, those whose last fetch failed. */
	failing: number;
}

export class ChunkArchiver {
	readonly #doc: Y.Doc;
	readonly #store: ChunkArchiverStore;
	readonly #held: Set<string>;
	readonly #fetchChunk: ChunkArchiverOptions['fetchChunk'];
	readonly #onChange: () => void;
	readonly #warn: (message: string) => void;
	readonly #debounceMs: number;
	readonly #concurrency: number;
	readonly #retryMinMs: number;
	readonly #patienceMs: number;

	#referenced = new Map<string, ChunkKind>();
	/** Referenced and not held: what `pending` counts (kept current so counts are O(1)). */
	#missing = new Set<string>();
	#queue: string[] = [];
	/** Index of the queue's next entry (shift() on a 100,000-entry array is linear). */
	#head = 0;
	#queued = new Set<string>();
	/** hash → aborts the fetch */
	#inFlight = new Map<string, AbortController>();
	/** hash → consecutive failed fetches and when the last one failed */
	#failures = new Map<string, { count: number; at: number }>();
	#invalidReported = new Set<string>();
	#scanTimer: ReturnType<typeof setTimeout> | null = null;
	#retryTimer: ReturnType<typeof setTimeout> | null = null;
	#retryAt = Infinity;
	#running = false;
	readonly #observer = (): void => this.scheduleScan();

	constructor(options: ChunkArchiverOptions) {
		this.#doc = options.doc;
		this.#store = options.store;
		this.#held = options.held;
		this.#fetchChunk = options.fetchChunk;
		this.#onChange = options.onChange ?? (() => {});
		this.#warn = options.warn ?? (() => {});
		this.#debounceMs = options.debounceMs ?? SCAN_DEBOUNCE_MS;
		this.#concurrency = options.concurrency ?? FETCH_CONCURRENCY;
		this.#retryMinMs = options.retryMinMs ?? RETRY_MIN_MS;
		this.#patienceMs = options.patienceMs ?? FETCH_PATIENCE_MS;
	}

	start(): void {
		if (this.#running) return;
		this.#running = true;
		// Shallow observers: a new series row or a new version is a new key in these
		// root maps; a version's file list is immutable once written.
		root(this.#doc, 'series').observe(this.#observer);
		root(this.#doc, 'versions').observe(this.#observer);
		this.#scan();
	}

	stop(): void {
		this.#running = false;
		root(this.#doc, 'series').unobserve(this.#observer);
		root(this.#doc, 'versions').unobserve(this.#observer);
		if (this.#scanTimer) clearTimeout(this.#scanTimer);
		if (this.#retryTimer) clearTimeout(this.#retryTimer);
		this.#scanTimer = this.#retryTimer = null;
		this.#queue = [];
		this.#head = 0;
		this.#queued.clear();
		for (const controller of this.#inFlight.values()) controller.abort();
	}

	get counts(): ArchiveCounts {
		return { referenced: this.#referenced.size, held: this.#held.size, pending: this.#missing.size, failing: this.#failures.size };
	}

	scheduleScan(): void {
		if (!this.#running || this.#scanTimer) return;
		this.#scanTimer = setTimeout(() => {
			this.#scanTimer = null;
			this.#scan();
		}, this.#debounceMs);
	}

	/** A peer arrived: whatever failed may be available now. */
	retryNow(): void {
		if (!this.#running || this.#failures.size === 0) return;
		this.#failures.clear();
		this.#scan();
	}

	/** A chunk on disk turned out corrupt and was deleted: fetch it again. */
	forget(hash: string): void {
		if (!this.#held.delete(hash)) return;
		if (this.#referenced.has(hash)) this.#missing.add(hash);
		this.#onChange();
		this.scheduleScan();
	}

	#scan(): void {
		if (!this.#running) return;
		const refs = referencedChunks(this.#doc);
		const referenced = new Map<string, ChunkKind>();
		for (const [kind, hashes] of [['metric', refs.metric], ['artifact', refs.artifact]] as const) {
			for (const hash of hashes) {
				// The document comes from peers: a malformed hash is skipped (and said once), never used as a path.
				if (!isChunkHash(hash)) {
					if (!this.#invalidReported.has(hash)) {
						this.#invalidReported.add(hash);
						this.#warn(`the document references a malformed chunk hash (${String(hash).slice(0, 20)}…); skipped`);
					}
					continue;
				}
				if (!referenced.has(hash)) referenced.set(hash, kind);
			}
		}
		this.#referenced = referenced;
		this.#missing = new Set([...referenced.keys()].filter((hash) => !this.#held.has(hash)));
		// Forget failures of chunks no longer referenced (a deleted version).
		for (const hash of this.#failures.keys()) if (!this.#missing.has(hash)) this.#failures.delete(hash);
		const now = Date.now();
		let nextRetry = Infinity;
		for (const hash of this.#missing) {
			if (this.#queued.has(hash) || this.#inFlight.has(hash)) continue;
			const failed = this.#failures.get(hash);
			if (failed) {
				const due = failed.at + this.#backoff(failed.count);
				if (due > now) {
					nextRetry = Math.min(nextRetry, due);
					continue;
				}
			}
			this.#queue.push(hash);
			this.#queued.add(hash);
		}
		this.#armRetry(nextRetry);
		this.#onChange();
		this.#pump();
	}

	#backoff(failures: number): number {
		return Math.min(RETRY_MAX_MS, this.#retryMinMs * 2 ** Math.max(0, failures - 1));
	}

	#armRetry(at: number): void {
		if (!Number.isFinite(at) || at >= this.#retryAt) return;
		if (this.#retryTimer) clearTimeout(this.#retryTimer);
		this.#retryAt = at;
		this.#retryTimer = setTimeout(() => {
			this.#retryTimer = null;
			this.#retryAt = Infinity;
			this.#scan();
		}, Math.max(0, at - Date.now()));
	}

	#pump(): void {
		while (this.#running && this.#inFlight.size < this.#concurrency && this.#head < this.#queue.length) {
			const hash = this.#queue[this.#head++] as string;
			this.#queued.delete(hash);
			const kind = this.#referenced.get(hash);
			if (!kind || this.#held.has(hash)) continue;
			const controller = new AbortController();
			this.#inFlight.set(hash, controller);
			void this.#fetchOne(hash, kind, controller).finally(() => {
				this.#inFlight.delete(hash);
				this.#onChange();
				this.#pump();
			});
		}
		if (this.#head === this.#queue.length) {
			this.#queue = [];
			this.#head = 0;
		}
	}

	async #fetchOne(hash: string, kind: ChunkKind, controller: AbortController): Promise<void> {
		const { signal } = controller;
		const patience = setTimeout(() => controller.abort(), this.#patienceMs);
		// Also race the signal, in case a fetchChunk does not honour it.
		const gaveUp = new Promise<never>((_, reject) =>
			signal.addEventListener('abort', () => reject(new Error('gave up waiting')), { once: true }),
		);
		gaveUp.catch(() => {});
		try {
			const bytes = await Promise.race([this.#fetchChunk(hash, kind, signal), gaveUp]);
			if (!this.#running) return;
			// The mesh may already have written it through the ChunkStore it was given.
			if (!(await this.#store.has(hash))) await this.#store.put(hash, bytes, kind);
			this.#held.add(hash);
			this.#missing.delete(hash);
			this.#failures.delete(hash);
		} catch (error) {
			if (!this.#running) return;
			const failures = (this.#failures.get(hash)?.count ?? 0) + 1;
			this.#failures.set(hash, { count: failures, at: Date.now() });
			// Unavailable or out of patience is the normal case while nobody holding it is online; anything else is worth a line.
			if (!signal.aborted && (error as { name?: unknown }).name !== 'ChunkUnavailableError' && failures === 1)
				this.#warn(`fetching chunk ${hash.slice(0, 12)}… failed: ${error instanceof Error ? error.message : String(error)}`);
			this.#armRetry(Date.now() + this.#backoff(failures));
		} finally {
			clearTimeout(patience);
		}
	}
}
