/**
 * The page side of a workspace run in the workspace worker (host.ts): the
 * page keeps only what it must — its own Dexie connection (pages read the
 * projection straight from IndexedDB; Dexie's liveQuery sees the worker's
 * commits across threads), a mirror of the awareness (presence UI), a mirror
 * of the sync status, and the WebRTC connections (RTCPeerConnection does not
 * exist in workers; webrtc-bridge.ts forwards their sealed packets). The
 * document, its projection, y-indexeddb and the mesh live in the worker, so
 * loading or syncing a large workspace never blocks the page (principle 6).
 *
 * Writes (SharedWrites) cross as calls and resolve once the worker has made
 * them durable and projected them, exactly as in-process: a caller reads its
 * own write from `db` right after.
 */
import * as Comlink from 'comlink';
import * as Y from 'yjs';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';
import type { MemberRecord, WorkspaceInfo } from '$lib/core/workspace';
import { openDb, type CairnDb } from '$lib/store/db';
import type { SharedWrites } from '$lib/store/shared-writes';
import type { ChunkKind, FetchChunkOptions, SyncStatus } from '../mesh-types';
import { ChunkUnavailableError } from '../mesh/errors';
import { canHostWebRtc, hostWebRtc } from '../mesh/webrtc-bridge';
import type { Timing } from '../timings';
import type { MeshHandle, WorkspaceHandle } from '../workspace-handle';
import type { WorkspaceOptions } from '../workspace';
import { SHARED_WRITE_METHODS, type HostEvents, type SharedWriteMethod } from './api';
import type { WorkspaceHost } from './host';
import { fromWire } from './wire-error';

/** Origin of awareness updates that came from the worker (not echoed back to it). */
const WORKER_ORIGIN = 'cairn-workspace-worker';

/** The sync status as last pushed by the worker, with the mesh's calls forwarded. */
class RemoteMesh implements MeshHandle {
	readonly #listeners = new Set<(status: SyncStatus) => void>();

	constructor(
		public status: SyncStatus,
		private readonly remote: Comlink.Remote<WorkspaceHost>
	) {}

	onStatus(callback: (status: SyncStatus) => void): () => void {
		this.#listeners.add(callback);
		return () => this.#listeners.delete(callback);
	}

	update(status: SyncStatus): void {
		this.status = status;
		for (const listener of this.#listeners) listener(status);
	}

	/** The bytes stay in the worker's store; this resolves once they are there. Aborting stops this caller's wait only. */
	fetchChunk(hash: string, kind: ChunkKind, options: FetchChunkOptions = {}): Promise<void> {
		const fetched = this.remote.fetchChunk(hash, kind).catch((error: unknown) => Promise.reject(fromWire(error)));
		const signal = options.signal;
		if (!signal) return fetched;
		if (signal.aborted) return Promise.reject(new ChunkUnavailableError(hash, 'the caller stopped waiting'));
		return new Promise((resolve, reject) => {
			const onAbort = () => reject(new ChunkUnavailableError(hash, 'the caller stopped waiting'));
			signal.addEventListener('abort', onAbort, { once: true });
			fetched.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
		});
	}

	cancelFetch(hash: string): void {
		void this.remote.cancelFetch(hash);
	}
}

/** How the client reaches its host: a dedicated worker in the app; a MessageChannel in tests. */
export interface HostConnection {
	endpoint: Comlink.Endpoint;
	terminate(): void;
}

/** A worker started ahead of need (prepareWorkspaceWorker), taken by the next client. */
let spare: Worker | null = null;

function newWorker(): Worker {
	return new Worker(new URL('./workspace.worker.ts', import.meta.url), { type: 'module', name: 'cairn-workspace' });
}

/**
 * Starts a workspace worker before a workspace is chosen, so its code is
 * loaded and compiled by then: the join dialog calls it while the user reads
 * it (the worker holds nothing until a client opens a workspace in it).
 */
export function prepareWorkspaceWorker(): void {
	if (typeof Worker !== 'undefined') spare ??= newWorker();
}

function spawnWorker(onError: (error: unknown) => void): HostConnection {
	const worker = spare ?? newWorker();
	spare = null;
	worker.addEventListener('error', (event) => onError(new Error(`The workspace worker failed: ${event.message || 'it could not start'}`)));
	return { endpoint: worker, terminate: () => worker.terminate() };
}

export class WorkspaceClient implements WorkspaceHandle {
	readonly awareness: Awareness;
	readonly shared: SharedWrites;
	#deviceId = '';
	#members: MemberRecord[] = [];
	#mesh: RemoteMesh | null = null;
	#ready: Promise<void> | null = null;
	readonly #meshListeners = new Set<(mesh: MeshHandle | null) => void>();
	readonly #connection: HostConnection;
	readonly #remote: Comlink.Remote<WorkspaceHost>;
	readonly #opened: Promise<void>;
	readonly #disposeWebRtc: () => void;
	#closed = false;

	private constructor(
		readonly info: WorkspaceInfo,
		readonly db: CairnDb,
		options: WorkspaceOptions,
		connect: (onError: (error: unknown) => void) => HostConnection
	) {
		const onError = options.onError ?? ((error: unknown) => console.warn('Cairn (workspace worker):', error));
		this.#connection = connect(onError);
		this.#remote = Comlink.wrap<WorkspaceHost>(this.#connection.endpoint);

		// One awareness client for this tab, spoken for on both sides: the page sets its presence here, the worker's mesh shares it.
		const presenceDoc = new Y.Doc();
		this.awareness = new Awareness(presenceDoc);
		const awareness = this.awareness;
		awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
			if (origin === WORKER_ORIGIN || this.#closed) return;
			const update = encodeAwarenessUpdate(awareness, [...added, ...updated, ...removed]);
			// After the host has the workspace (the page sets its presence right after opening); then-callbacks keep the order.
			void this.#opened.then(() => this.#remote.applyAwareness(update)).catch(() => undefined);
		});

		const events: HostEvents = {
			error: (message) => onError(new Error(message)),
			status: (status) => {
				if (this.#mesh) return this.#mesh.update(status);
				this.#mesh = new RemoteMesh(status, this.#remote);
				for (const listener of this.#meshListeners) listener(this.#mesh);
			},
			awareness: (update) => applyAwarenessUpdate(awareness, update, WORKER_ORIGIN),
			members: (members) => (this.#members = members)
		};
		let port: MessagePort | undefined;
		this.#disposeWebRtc = () => {};
		if (canHostWebRtc()) {
			const channel = new MessageChannel();
			this.#disposeWebRtc = hostWebRtc(channel.port1, {});
			port = channel.port2;
		}
		const hostOptions = { author: options.author, defaultSignalingUrl: options.defaultSignalingUrl, clientId: presenceDoc.clientID, webrtcPort: port };
		this.#opened = this.#remote
			.open(info, port ? Comlink.transfer(hostOptions, [port]) : hostOptions, Comlink.proxy(events))
			.catch((error: unknown) => Promise.reject(fromWire(error)));
		// Reported here too: a page that never writes would otherwise not learn the worker failed.
		this.#opened.catch(onError);

		const call = (method: SharedWriteMethod) => async (...args: unknown[]) => {
			await this.ready;
			try {
				return await this.#remote.write(method, args);
			} catch (error) {
				throw fromWire(error);
			}
		};
		this.shared = Object.fromEntries(SHARED_WRITE_METHODS.map((m) => [m, call(m)])) as unknown as SharedWrites;
	}

	/**
	 * Starts the worker and opens the database; resolves once the database is
	 * open (pages can read the projection). The worker opens the document in
	 * parallel; `ready` waits for it.
	 */
	static async open(info: WorkspaceInfo, options: WorkspaceOptions, connect: (onError: (error: unknown) => void) => HostConnection = spawnWorker): Promise<WorkspaceClient> {
		const db = openDb(info.dbName);
		// The worker starts loading while the database opens.
		const client = new WorkspaceClient(info, db, options, connect);
		try {
			await db.open();
		} catch (error) {
			await client.close();
			throw error;
		}
		return client;
	}

	get ready(): Promise<void> {
		return (this.#ready ??= this.#opened
			.then(() => this.#remote.load())
			.then(
				({ deviceId, members }) => {
					this.#deviceId = deviceId;
					this.#members = members;
				},
				(error: unknown) => Promise.reject(fromWire(error))
			));
	}

	get deviceId(): string {
		return this.#deviceId;
	}

	get mesh(): MeshHandle | null {
		return this.#mesh;
	}

	get status(): SyncStatus | null {
		return this.#mesh?.status ?? null;
	}

	members(): MemberRecord[] {
		return this.#members;
	}

	onMeshChange(callback: (mesh: MeshHandle | null) => void): () => void {
		this.#meshListeners.add(callback);
		return () => this.#meshListeners.delete(callback);
	}

	async startSync(info: WorkspaceInfo = this.info): Promise<MeshHandle | null> {
		if (!info.shared) return this.#mesh;
		await this.ready;
		try {
			await this.#remote.startSync(info);
		} catch (error) {
			throw fromWire(error);
		}
		return this.#mesh;
	}

	async fetchArtifactChunk(hash: string): Promise<void> {
		await this.#opened;
		try {
			await this.#remote.fetchArtifactChunk(hash);
		} catch (error) {
			throw fromWire(error);
		}
	}

	/** The worker's timings (the document and projection run there, not on this page). */
	async timings(): Promise<Timing[]> {
		await this.#opened;
		return this.#remote.timings();
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closed = true;
		try {
			await this.#opened;
			await this.#remote.close();
		} catch {
			// A worker that failed to open has nothing to close.
		}
		this.#disposeWebRtc();
		this.#remote[Comlink.releaseProxy]();
		this.#connection.terminate();
		this.awareness.destroy();
		this.db.close();
	}
}
