/**
 * The contract between the sync mesh (transports, y-protocols, chunk exchange)
 * and whoever hosts it: the browser workspace (src/lib/sync/workspace.ts) and the
 * always-on Node peer (peer/). The mesh knows nothing about Cairn's record
 * schema; it moves Yjs updates, awareness and content-addressed chunks between
 * devices, encrypting every frame with the workspace key before it leaves.
 */
import type * as Y from 'yjs';
import type { Awareness } from 'y-protocols/awareness';
import type { LinkEvents } from './mesh/link';
import type { SignalMessage } from './mesh/protocol';
import type { WebRtcTransport } from './mesh/webrtc-link';

/** Bytes named by their SHA-256 (hex). Metric chunks are fetched eagerly, artifact chunks on demand. */
export type ChunkKind = 'metric' | 'artifact';

/** Where the mesh reads chunks it is asked for and writes chunks it fetched. */
export interface ChunkStore {
	/** The chunk's bytes, or undefined when this device does not hold it. */
	get(hash: string, kind: ChunkKind): Promise<Uint8Array | undefined>;
	/** Called only with bytes whose SHA-256 the mesh has checked equals `hash`. */
	put(hash: string, bytes: Uint8Array, kind: ChunkKind): Promise<void>;
}

export type SignalingState = 'off' | 'connecting' | 'connected' | 'unreachable';

export interface PeerInfo {
	/** Random per session; not a secret (the relay server sees it). */
	peerId: string;
	/** Links currently open to this peer, best first. */
	links: ('webrtc' | 'broadcast' | 'relay')[];
	/** True once both sides exchanged sync step 2 and the last state vectors matched. */
	inSync: boolean;
}

export interface BadPeerReport {
	peerId: string;
	/** e.g. "sent chunk 3fa1… whose bytes hash to 9c0e…" or "frame failed to decrypt". */
	reason: string;
	at: number;
}

export interface SyncStatus {
	peers: PeerInfo[];
	signaling: SignalingState;
	/** Why signaling is unreachable, in words for the UI; null when fine. */
	signalingError: string | null;
	/** True when every connected peer is in sync (vacuously true with no peers). */
	docsInSync: boolean;
	/** Chunk fetches queued or in flight. */
	chunksPending: number;
	/** Last time a sync message or chunk was received from any peer (epoch ms). */
	lastSyncAt: number | null;
	/** Most recent first, capped. */
	badPeers: BadPeerReport[];
}

export interface SyncMeshOptions {
	doc: Y.Doc;
	awareness: Awareness;
	/** AES-GCM workspace key (src/lib/sync/encryption.ts importKey). */
	key: CryptoKey;
	/** roomHash(roomId) from share-link.ts: all the relay server ever learns about the room. */
	roomHash: string;
	/** ws:// or wss:// URLs of signaling/relay servers; empty for none. */
	signalingUrls: string[];
	chunks: ChunkStore;
	/** Open WebRTC data channels where RTCPeerConnection exists (default true in browsers). */
	webrtc?: boolean;
	/** Use BroadcastChannel between tabs of one browser (default true where it exists). */
	broadcast?: boolean;
	/** Injected for Node (the `ws` package); defaults to globalThis.WebSocket. */
	WebSocket?: typeof globalThis.WebSocket;
	/** Stamps lastSyncAt and bad-peer reports; defaults to Date.now. */
	now?: () => number;
	/** STUN/TURN servers for WebRTC; default none (host candidates only: peers on one network). */
	iceServers?: RTCIceServer[];
	/** Defaults to globalThis.RTCPeerConnection; WebRTC is off where neither exists. */
	RTCPeerConnection?: typeof globalThis.RTCPeerConnection;
	/**
	 * Builds the WebRTC link instead of the mesh doing so with RTCPeerConnection
	 * (which a worker lacks): a worker passes bridgedWebRtc(port) from
	 * mesh/webrtc-bridge.ts. Called once, only when WebRTC is on (`webrtc`) and
	 * there is a relay to signal through; returning null means no WebRTC.
	 * iceServers and RTCPeerConnection are then the transport's business.
	 */
	webrtcTransport?: (options: { peerId: string; events: LinkEvents; sendSignal(to: string, signal: SignalMessage): void }) => WebRtcTransport | null;
	/** Defaults to globalThis.BroadcastChannel. */
	BroadcastChannel?: typeof globalThis.BroadcastChannel;
	/**
	 * How sync step 2 is encoded for a peer's state vector, in Yjs's V1 or V2
	 * update format; defaults to Y.encodeStateAsUpdate / encodeStateAsUpdateV2.
	 * The always-on peer answers newcomers from a kept encoding
	 * (mesh/full-state-cache.ts).
	 */
	encodeStateAsUpdate?: (stateVector: Uint8Array, format: 'v1' | 'v2') => Uint8Array;
	/** Random source for choosing which peer to ask for a chunk; defaults to Math.random. */
	random?: () => number;
}

export interface FetchChunkOptions {
	/** Aborting rejects this caller's promise with ChunkUnavailableError; other callers keep waiting. */
	signal?: AbortSignal;
}

/**
 * How fetchChunk gives up. It waits while no peer holds the chunk, so it
 * rejects only when the caller stops waiting (abort, cancelFetch) or the mesh stops.
 */
export interface ChunkFetchFailure extends Error {
	readonly name: 'ChunkUnavailableError';
	readonly hash: string;
}
