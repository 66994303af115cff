/**
 * What the SDK and the UI use of an open workspace, whichever way it runs:
 * in-process (`Workspace`, workspace.ts: Node, tests, browsers without
 * workers) or in a dedicated Web Worker (`WorkspaceClient`,
 * worker/client.ts: the app, so the Yjs document, its projection and the
 * sync mesh never take the page's thread — principle 6).
 */
import type { Awareness } from 'y-protocols/awareness';
import type { MemberRecord, WorkspaceInfo } from '$lib/core/workspace';
import type { CairnDb } from '$lib/store/db';
import type { SharedWrites } from '$lib/store/shared-writes';
import type { ChunkKind, FetchChunkOptions, SyncStatus } from './mesh-types';
import type { Timing } from './timings';

/** A running sync mesh as seen from the page. */
export interface MeshHandle {
	readonly status: SyncStatus;
	/** Called on every status change; returns the unsubscribe function. */
	onStatus(callback: (status: SyncStatus) => void): () => void;
	/** Fetches a chunk from peers into this device's store (see SyncMesh.fetchChunk). */
	fetchChunk(hash: string, kind: ChunkKind, options?: FetchChunkOptions): Promise<unknown>;
	/** Every fetchChunk(hash) caller rejects with ChunkUnavailableError. */
	cancelFetch(hash: string): void;
}

export interface WorkspaceHandle {
	readonly info: WorkspaceInfo;
	/** The workspace's Dexie database: the projection pages read, and the chunk bytes. */
	readonly db: CairnDb;
	/** Writes to the shared document; each resolves once durable and projected into `db`. */
	readonly shared: SharedWrites;
	/** Resolves once the document has loaded and the projection is current; starts the load on first use. */
	readonly ready: Promise<void>;
	/** This device's id in the workspace; '' until `ready`. */
	readonly deviceId: string;
	/** Presence: this tab's state and everyone else's. */
	readonly awareness: Awareness;
	/** Null until the workspace is shared and sync started. */
	readonly mesh: MeshHandle | null;
	readonly status: SyncStatus | null;
	members(): MemberRecord[];
	/** Called when `mesh` appears or goes; returns an unsubscribe function. */
	onMeshChange(callback: (mesh: MeshHandle | null) => void): () => void;
	/** Starts syncing if `info` is shared; a no-op when private or already running. */
	startSync(info?: WorkspaceInfo): Promise<unknown>;
	/** Fetches an artifact chunk from peers (on demand), giving up after ARTIFACT_FETCH_TIMEOUT_MS. */
	fetchArtifactChunk(hash: string): Promise<void>;
	/** How long the sync layer's heavy steps took where they ran (timings.ts). */
	timings(): Promise<Timing[]>;
	close(): Promise<void>;
}
