/**
 * A workspace at runtime: its Dexie database (projection + chunk bytes), its
 * Yjs document persisted with y-indexeddb, the projection between them, the
 * awareness (presence) state and — once the workspace is shared or joined —
 * the sync mesh that talks to teammates.
 *
 * Opening is split so the UI never waits on the document: `open` resolves as
 * soon as the Dexie database is open (pages read the projection at once, also
 * offline); the document loads on first use of `ready` — which writes
 * (SharedDoc) and startSync wait for — and `ready` resolves when it is
 * loaded, initialised (or migrated) and the projection is current.
 */
import * as Y from 'yjs';
import { IndexeddbPersistence } from 'y-indexeddb';
import { Awareness } from 'y-protocols/awareness';
import { presenceColor } from '$lib/core/presence';
import type { MemberRecord, WorkspaceInfo } from '$lib/core/workspace';
import { openDb, type CairnDb } from '$lib/store/db';
import type { SharedWrites } from '$lib/store/shared-writes';
import { ydocDbName } from '$lib/store/workspace-registry';
import { readMembers, root } from './doc-schema';
import { DexieChunkStore } from './dexie-chunks';
import { importKey } from './encryption';
import { initialiseDocument } from './migrate';
import type { ChunkKind, SyncMeshOptions, SyncStatus } from './mesh-types';
import type { SyncMesh } from './mesh/sync-mesh';
import { LOCAL_ORIGIN } from './origins';
import { Projection, projectionIsCurrent } from './projection';
import { fromBase64Url, roomHash } from './share-link';
import { SharedDoc } from './shared-doc';
import type { WorkspaceHandle } from './workspace-handle';
import { readTimings, type Timing } from './timings';

export interface WorkspaceOptions {
	/** Display name recorded as a member and shown to teammates. */
	author: string;
	now?: () => number;
	/** Default signaling server when the workspace names none (the browser's own origin). */
	defaultSignalingUrl?: string;
	onError?: (error: unknown) => void;
	/** Awareness client id to use (the workspace worker's page mirrors this one); default random. */
	clientId?: number;
	/** Where the mesh gets its WebRTC link (the workspace worker bridges the page's); default: its own where RTCPeerConnection exists. */
	webrtcTransport?: SyncMeshOptions['webrtcTransport'];
}

/** How long an on-demand artifact chunk fetch waits for a peer that holds it. */
export const ARTIFACT_FETCH_TIMEOUT_MS = 30_000;

export class Workspace implements WorkspaceHandle {
	readonly doc = new Y.Doc();
	readonly awareness: Awareness;
	readonly projection: Projection;
	readonly shared: SharedWrites;
	#ready: Promise<void> | null = null;
	#persistence: IndexeddbPersistence | null = null;
	#mesh: SyncMesh | null = null;
	#starting: Promise<SyncMesh> | null = null;
	#meshListeners = new Set<(mesh: SyncMesh | null) => void>();
	#deviceId = '';
	readonly #now: () => number;

	private constructor(
		readonly info: WorkspaceInfo,
		readonly db: CairnDb,
		private readonly options: WorkspaceOptions
	) {
		this.#now = options.now ?? Date.now;
		// Before anything is written: the id every update and awareness state of this device carries.
		if (options.clientId !== undefined) this.doc.clientID = options.clientId;
		this.awareness = new Awareness(this.doc);
		this.projection = new Projection(this.doc, db, {
			onMissingMetricChunks: (hashes) => this.#fetch(hashes, 'metric'),
			onInvalidRecord: (where, error) => options.onError?.(new Error(`A record from a peer was not applied (${where}): ${String(error)}`))
		});
		const shared = new SharedDoc(this.doc, this.projection, () => this.#durable());
		// Every write waits until the document is loaded (see the header).
		this.shared = new Proxy(shared, {
			get: (target, prop, receiver) => {
				const value = Reflect.get(target, prop, receiver) as unknown;
				if (typeof value !== 'function') return value;
				return async (...args: unknown[]) => {
					await this.ready;
					return (value as (...a: unknown[]) => unknown).apply(target, args);
				};
			}
		});
	}

	static async open(info: WorkspaceInfo, options: WorkspaceOptions): Promise<Workspace> {
		// A shared workspace starts syncing once loaded: fetch the mesh code meanwhile (a join waits for it).
		if (info.shared) void import('./mesh/sync-mesh').catch(() => {});
		const db = openDb(info.dbName);
		await db.open();
		return new Workspace(info, db, options);
	}

	/**
	 * Resolves once the document is loaded and the projection current. Loading
	 * starts on first use (a write, startSync, or the caller asking), so a page
	 * can draw from the projection before a large document is parsed.
	 */
	get ready(): Promise<void> {
		return (this.#ready ??= this.#load());
	}

	get deviceId(): string {
		return this.#deviceId;
	}

	get mesh(): SyncMesh | null {
		return this.#mesh;
	}

	members(): MemberRecord[] {
		return readMembers(this.doc);
	}

	/** Called with the mesh when sync starts or stops; returns an unsubscribe function. */
	onMeshChange(cb: (mesh: SyncMesh | null) => void): () => void {
		this.#meshListeners.add(cb);
		return () => this.#meshListeners.delete(cb);
	}

	async #load(): Promise<void> {
		const persistence = new IndexeddbPersistence(ydocDbName(this.info.dbName), this.doc);
		this.#persistence = persistence;
		await persistence.whenSynced;
		this.#deviceId = ((await persistence.get('deviceId')) as string | undefined) ?? '';
		if (!this.#deviceId) {
			this.#deviceId = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
			await persistence.set('deviceId', this.#deviceId);
		}
		const current = await projectionIsCurrent(this.doc, this.db);
		await initialiseDocument(this.doc, this.db, this.info.name);
		this.projection.attach();
		if (!current) await this.projection.projectAll();
		this.#recordMember();
		this.awareness.setLocalStateField('user', { name: this.options.author, color: presenceColor(this.#deviceId), deviceId: this.#deviceId });
		await this.#durable();
	}

	#recordMember(): void {
		const members = root<MemberRecord>(this.doc, 'members');
		const me = members.get(this.#deviceId);
		if (me?.name === this.options.author) return;
		this.doc.transact(() => members.set(this.#deviceId, { deviceId: this.#deviceId, name: this.options.author, joinedAt: me?.joinedAt ?? this.#now() }), LOCAL_ORIGIN);
	}

	/** Resolves once every document update so far is committed to IndexedDB (see shared-doc.ts). */
	#durable(): Promise<void> {
		const idb = this.#persistence?.db;
		if (!idb) return Promise.resolve();
		return new Promise((resolve, reject) => {
			const tx = idb.transaction(['updates'], 'readwrite');
			tx.oncomplete = () => resolve();
			tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
			tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
		});
	}

	/**
	 * Starts syncing with teammates if the workspace is shared; a private
	 * workspace never touches the network. Concurrent calls share one start.
	 */
	startSync(info: WorkspaceInfo = this.info): Promise<SyncMesh | null> {
		if (!info.shared) return Promise.resolve(this.#mesh);
		this.#starting ??= this.#start(info).catch((error: unknown) => {
			this.#starting = null;
			throw error;
		});
		return this.#starting;
	}

	async #start(info: WorkspaceInfo): Promise<SyncMesh> {
		await this.ready;
		const urls = info.signalingUrls.length ? info.signalingUrls : this.options.defaultSignalingUrl ? [this.options.defaultSignalingUrl] : [];
		// Loaded only when a workspace is shared: private use never ships the mesh code.
		const { SyncMesh } = await import('./mesh/sync-mesh');
		const mesh = new SyncMesh({
			doc: this.doc,
			awareness: this.awareness,
			key: await importKey(fromBase64Url(info.key)),
			roomHash: await roomHash(fromBase64Url(info.roomId)),
			signalingUrls: urls,
			webrtcTransport: this.options.webrtcTransport,
			chunks: new DexieChunkStore(this.db, (hash, kind, data) => {
				if (kind === 'metric') this.projection.chunkArrived(hash, data);
			}, this.#now),
			now: this.#now
		});
		this.#mesh = mesh;
		mesh.start();
		this.#fetch(this.projection.waitingChunks, 'metric');
		for (const cb of this.#meshListeners) cb(mesh);
		return mesh;
	}

	/**
	 * Fetches an artifact chunk from peers (on demand: opening or pinning a
	 * version). Gives up after ARTIFACT_FETCH_TIMEOUT_MS so a preview with no
	 * holder online reports the chunk missing instead of waiting forever.
	 */
	async fetchArtifactChunk(hash: string): Promise<void> {
		// Sync may not have started yet (the page opened moments ago): a shared workspace starts it now.
		const mesh = this.#mesh ?? (await this.startSync());
		if (!mesh) throw new Error('This workspace is not shared, so no peer can supply the missing chunk.');
		await mesh.fetchChunk(hash, 'artifact', { signal: AbortSignal.timeout(ARTIFACT_FETCH_TIMEOUT_MS) });
	}

	#fetch(hashes: string[], kind: ChunkKind): void {
		const mesh = this.#mesh;
		if (!mesh) return;
		for (const h of hashes) mesh.fetchChunk(h, kind).catch((error: unknown) => this.options.onError?.(error));
	}

	get status(): SyncStatus | null {
		return this.#mesh?.status ?? null;
	}

	async timings(): Promise<Timing[]> {
		return readTimings();
	}

	async close(): Promise<void> {
		await this.#starting?.catch(() => undefined);
		await this.#mesh?.stop();
		this.#mesh = null;
		this.awareness.destroy();
		this.projection.detach();
		await this.#persistence?.destroy();
		this.doc.destroy();
		this.db.close();
	}
}
