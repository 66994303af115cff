/**
 * The always-on peer, as a function: startPeer() opens a data directory, joins
 * the workspace's room through the sync mesh (relay only: no WebRTC or
 * BroadcastChannel in Node), keeps the document and every referenced chunk on
 * disk and serves them to whoever connects. main.ts is the CLI around it; the
 * integration test runs it in-process.
 *
 * What is where (the peer's own source of truth is its directory):
 *   document  DiskDoc        doc.snapshot + doc.updates
 *   chunks    DiskChunkStore chunks/<2 hex>/<sha256>
 *   secret    data-dir.ts    workspace.json (0600), peer.lock
 */
import WebSocket from 'ws';
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import { importKey } from '$lib/sync/encryption';
import { FullStateCache } from '$lib/sync/mesh/full-state-cache';
import { SyncMesh } from '$lib/sync/mesh/sync-mesh';
import type { ChunkKind, FetchChunkOptions, SignalingState, SyncMeshOptions, SyncStatus } from '$lib/sync/mesh-types';
import { roomHash, type ShareSecret } from '$lib/sync/share-link';
import { DEFAULT_SIGNALING_URL } from './args';
import { ChunkArchiver, type ArchiveCounts } from './chunk-archiver';
import { ensureDataDir, lockDataDir, resolveWorkspace, type DirLock } from './data-dir';
import { DiskChunkStore } from './disk-chunks';
import { DiskDoc } from './disk-doc';

/** A status line at least this often even when nothing changed: a heartbeat for whoever watches the log. */
export const STATUS_HEARTBEAT_MS = 60_000;
/** Changes (chunk counts during a backfill) are printed at most this often. */
export const STATUS_MIN_GAP_MS = 2_000;

/** What startPeer needs from the mesh: SyncMesh's surface (mesh-types.ts). Tests may inject another. */
export interface PeerMesh {
	readonly peerId: string;
	readonly status: SyncStatus;
	start(): unknown;
	stop(): unknown;
	onStatus(callback: (status: SyncStatus) => void): unknown;
	fetchChunk(hash: string, kind: ChunkKind, options?: FetchChunkOptions): Promise<Uint8Array>;
}

export interface StartPeerOptions {
	/** The data directory (created if missing, mode 0700). */
	dataDir: string;
	/** The parsed share link; needed on the first run only. */
	join?: ShareSecret | null;
	/** Replaces the stored signaling URLs when non-empty. */
	signalingUrls?: readonly string[];
	/** Defaults to the `ws` package's client. */
	WebSocket?: typeof globalThis.WebSocket;
	/** Status lines (stdout in the CLI). Default: none. */
	print?: (line: string) => void;
	/** Errors and warnings (stderr in the CLI); printed even when quiet. Default: none. */
	warn?: (line: string) => void;
	/** The peer can no longer do its job (the document cannot be written); the CLI exits non-zero. */
	onFatal?: (error: unknown) => void;
	/** Heartbeat interval of status lines; 0 prints only on change. */
	heartbeatMs?: number;
	/** Least time between two status lines printed for changes (default STATUS_MIN_GAP_MS). */
	statusGapMs?: number;
	/** Builds the mesh; defaults to `new SyncMesh(options)`. */
	createMesh?: (options: SyncMeshOptions) => PeerMesh;
}

export interface PeerStatus {
	peerId: string;
	signaling: SignalingState;
	signalingError: string | null;
	/** Connected teammates (other peers). */
	peers: number;
	/** Peers whose document state matched ours at the last exchange. */
	peersInSync: number;
	docsInSync: boolean;
	chunks: ArchiveCounts;
	/** Chunk fetches queued or in flight inside the mesh. */
	meshChunksPending: number;
	lastSyncAt: number | null;
}

export interface RunningPeer {
	readonly doc: Y.Doc;
	readonly peerId: string;
	readonly status: PeerStatus;
	readonly signalingUrls: readonly string[];
	onStatus(callback: (status: PeerStatus) => void): () => void;
	/** Resolves when every update received so far is fsynced. */
	flush(): Promise<void>;
	/** Leaves the room, writes the document and releases the directory. Idempotent. */
	stop(): Promise<void>;
}

/** UTC to the second, for the start of every line the peer prints. */
export function timestamp(now = new Date()): string {
	return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The status line without its time stamp. One line, no secrets: what an operator (or a log scraper) needs to see. */
export function formatStatus(status: PeerStatus): string {
	const peers = `${status.peers} peer${status.peers === 1 ? '' : 's'}`;
	const sync = status.peers === 0 ? 'no one to sync with' : status.docsInSync ? 'docs in sync' : `docs syncing (${status.peersInSync}/${status.peers} in sync)`;
	const { held, pending, failing } = status.chunks;
	const chunks = `chunks ${held} held, ${pending} pending${failing > 0 ? ` (${failing} not available from anyone online)` : ''}`;
	return `${peers} · ${sync} · ${chunks} · signaling ${status.signaling}`;
}

export async function startPeer(options: StartPeerOptions): Promise<RunningPeer> {
	const print = options.print ?? (() => {});
	const warn = options.warn ?? (() => {});
	const dir = options.dataDir;
	await ensureDataDir(dir);
	const lock: DirLock = await lockDataDir(dir);
	const cleanup: (() => Promise<void> | void)[] = [() => lock.release()];
	/** Runs every cleanup step, newest first, even when one fails (the document must still be flushed); rethrows the first failure. */
	const undo = async () => {
		let firstError: unknown = null;
		for (const step of cleanup.reverse()) {
			try {
				await step();
			} catch (error) {
				firstError ??= error;
			}
		}
		if (firstError !== null) throw firstError;
	};

	try {
		const workspace = await resolveWorkspace(dir, options.join ?? null, options.signalingUrls ?? [], DEFAULT_SIGNALING_URL, warn);
		const doc = new Y.Doc();
		let failed = false;
		const disk = await DiskDoc.open({
			dir,
			doc,
			warn,
			onFailure: (error) => {
				failed = true;
				warn(`cannot write the document to ${dir}: ${error instanceof Error ? error.message : String(error)}. Updates are no longer saved.`);
				options.onFatal?.(error);
			},
		});
		cleanup.push(() => disk.close());

		let archiver: ChunkArchiver | null = null;
		const store = new DiskChunkStore({
			dir,
			onCorrupt: (hash) => {
				warn(`chunk ${hash.slice(0, 12)}… was corrupt on disk; deleted it and will fetch it again`);
				archiver?.forget(hash);
			},
		});
		const held = await store.list();

		const key = await importKey(workspace.secret.key);
		const awareness = new Awareness(doc);
		// Not a person: publish no presence state, so the peer never shows up as "someone online".
		awareness.setLocalState(null);
		cleanup.push(() => awareness.destroy());
		// Serving joins is the peer's job: newcomers get the whole document from a kept encoding.
		const fullState = new FullStateCache(doc);
		cleanup.push(() => fullState.destroy());

		const meshOptions: SyncMeshOptions = {
			doc,
			awareness,
			key,
			roomHash: await roomHash(workspace.secret.roomId),
			signalingUrls: workspace.signalingUrls,
			chunks: store,
			webrtc: false,
			broadcast: false,
			WebSocket: options.WebSocket ?? (WebSocket as unknown as typeof globalThis.WebSocket),
			encodeStateAsUpdate: fullState.encode,
		};
		const mesh = options.createMesh ? options.createMesh(meshOptions) : new SyncMesh(meshOptions);

		const listeners = new Set<(status: PeerStatus) => void>();
		const snapshot = (): PeerStatus => {
			const s = mesh.status;
			const peersInSync = s.peers.filter((p) => p.inSync).length;
			return {
				peerId: mesh.peerId,
				signaling: s.signaling,
				signalingError: s.signalingError,
				peers: s.peers.length,
				peersInSync,
				docsInSync: s.docsInSync,
				chunks: archiver?.counts ?? { referenced: 0, held: held.size, pending: 0, failing: 0 },
				meshChunksPending: s.chunksPending,
				lastSyncAt: s.lastSyncAt,
			};
		};

		// ---- status lines: on change (throttled), plus a heartbeat ----
		const heartbeatMs = options.heartbeatMs ?? STATUS_HEARTBEAT_MS;
		const statusGapMs = options.statusGapMs ?? STATUS_MIN_GAP_MS;
		let lastLine = '';
		let lastPrintAt = 0;
		let lineTimer: ReturnType<typeof setTimeout> | null = null;
		const printNow = () => {
			if (lineTimer) clearTimeout(lineTimer);
			lineTimer = null;
			lastLine = formatStatus(snapshot());
			lastPrintAt = Date.now();
			print(`${timestamp()} ${lastLine}`);
		};
		const statusChanged = () => {
			const status = snapshot();
			for (const listener of listeners) listener(status);
			if (lineTimer || formatStatus(status) === lastLine) return;
			lineTimer = setTimeout(printNow, Math.max(0, lastPrintAt + statusGapMs - Date.now()));
		};
		const heartbeat = heartbeatMs > 0 ? setInterval(printNow, heartbeatMs) : null;
		cleanup.push(() => {
			if (heartbeat) clearInterval(heartbeat);
			if (lineTimer) clearTimeout(lineTimer);
		});

		archiver = new ChunkArchiver({
			doc,
			store,
			held,
			fetchChunk: (hash, kind, signal) => mesh.fetchChunk(hash, kind, { signal }),
			onChange: statusChanged,
			warn,
		});

		// ---- mesh events: signaling errors, bad peers, arrivals ----
		let lastSignaling: SignalingState = 'off';
		let lastBadPeerAt = Date.now();
		let lastPeerCount = 0;
		const onMeshStatus = (s: SyncStatus) => {
			if (s.signaling !== lastSignaling) {
				if (s.signaling === 'unreachable')
					warn(`${s.signalingError ?? `Cannot reach the signaling server ${workspace.signalingUrls.join(', ')}`} (check --signal and that the server is running)`);
				else if (s.signaling === 'connected' && lastSignaling === 'unreachable') warn('signaling server reachable again');
				lastSignaling = s.signaling;
			}
			for (const report of s.badPeers) {
				if (report.at <= lastBadPeerAt) break; // most recent first
				warn(`dropped data from peer ${report.peerId}: ${report.reason}`);
			}
			if (s.badPeers[0] && s.badPeers[0].at > lastBadPeerAt) lastBadPeerAt = s.badPeers[0].at;
			if (s.peers.length > lastPeerCount) archiver?.retryNow();
			lastPeerCount = s.peers.length;
			statusChanged();
		};
		const unsubscribe = mesh.onStatus(onMeshStatus);
		cleanup.push(() => {
			if (typeof unsubscribe === 'function') (unsubscribe as () => void)();
		});

		await mesh.start();
		cleanup.push(async () => {
			await mesh.stop();
		});
		archiver.start();
		cleanup.push(() => archiver?.stop());
		print(`${timestamp()} serving the workspace from ${dir} via ${workspace.signalingUrls.join(', ')} as peer ${mesh.peerId}`);
		printNow();

		let stopping: Promise<void> | null = null;
		return {
			doc,
			peerId: mesh.peerId,
			signalingUrls: workspace.signalingUrls,
			get status() {
				return snapshot();
			},
			onStatus(callback) {
				listeners.add(callback);
				return () => listeners.delete(callback);
			},
			flush: () => disk.flush(),
			stop() {
				// Order (cleanup runs in reverse): archiver, mesh (no more updates arrive), timers,
				// awareness, then the document is flushed and closed, then the lock goes.
				stopping ??= undo().then(() => {
					listeners.clear();
					if (!failed) print(`${timestamp()} stopped; document saved in ${dir}`);
				});
				return stopping;
			},
		};
	} catch (error) {
		await undo().catch(() => {});
		throw error;
	}
}
