/** Helpers for the sync mesh tests: an in-process relay, meshes on `ws`, a chunk store in memory, polling. */
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import { WebSocket as NodeWebSocket } from 'ws';
import { sha256Hex } from '$lib/core/hash';
import { generateKeyBytes, importKey } from '$lib/sync/encryption';
import type { ChunkKind, ChunkStore, SyncMeshOptions } from '$lib/sync/mesh-types';
import { SyncMesh } from '$lib/sync/mesh/sync-mesh';
import { startSignaling, type CapturedMessage, type RunningSignaling } from '../../../scripts/signaling.mjs';

/** The `ws` client has the browser WebSocket's API; the mesh takes it as the constructor to use. */
export const WebSocketForNode = NodeWebSocket as unknown as typeof globalThis.WebSocket;

export class MemoryChunkStore implements ChunkStore {
	readonly chunks = new Map<string, Uint8Array>();
	gets = 0;
	/** When set, get() answers with these bytes whatever was asked: a lying or corrupted peer. */
	tamperWith: Uint8Array | null = null;

	async add(bytes: Uint8Array): Promise<string> {
		const hash = await sha256Hex(new Uint8Array(bytes));
		this.chunks.set(hash, bytes);
		return hash;
	}

	async get(hash: string, _kind: ChunkKind): Promise<Uint8Array | undefined> {
		this.gets++;
		const bytes = this.chunks.get(hash);
		return bytes && this.tamperWith ? this.tamperWith : bytes;
	}

	async put(hash: string, bytes: Uint8Array, _kind: ChunkKind): Promise<void> {
		this.chunks.set(hash, bytes);
	}
}

export interface TestPeer {
	mesh: SyncMesh;
	doc: Y.Doc;
	awareness: Awareness;
	chunks: MemoryChunkStore;
}

/** Tracks what a test started so afterEach can stop all of it. */
export class MeshWorld {
	readonly peers: TestPeer[] = [];
	readonly captured: CapturedMessage[] = [];
	relay: RunningSignaling | null = null;
	#roomCounter = 0;

	async startRelay(port = 0): Promise<RunningSignaling> {
		this.relay = await startSignaling({ port, host: '127.0.0.1', capture: (entry) => this.captured.push(entry) });
		return this.relay;
	}

	/** A room hash of its own per test, so tests sharing a relay never meet. */
	room(): string {
		return `${'0'.repeat(56)}${(++this.#roomCounter).toString(16).padStart(8, '0')}`;
	}

	async key(): Promise<CryptoKey> {
		return importKey(generateKeyBytes());
	}

	peer(options: Pick<SyncMeshOptions, 'key' | 'roomHash'> & Partial<SyncMeshOptions>, start = true): TestPeer {
		const doc = options.doc ?? new Y.Doc();
		const awareness = options.awareness ?? new Awareness(doc);
		const chunks = (options.chunks as MemoryChunkStore | undefined) ?? new MemoryChunkStore();
		const mesh = new SyncMesh({
			signalingUrls: this.relay ? [this.relay.url] : [],
			WebSocket: WebSocketForNode,
			webrtc: false,
			broadcast: false,
			...options,
			doc,
			awareness,
			chunks
		});
		const peer = { mesh, doc, awareness, chunks };
		this.peers.push(peer);
		if (start) mesh.start();
		return peer;
	}

	async stopAll(): Promise<void> {
		await Promise.all(this.peers.map((peer) => peer.mesh.stop()));
		for (const peer of this.peers) {
			peer.awareness.destroy();
			peer.doc.destroy();
		}
		this.peers.length = 0;
		await this.relay?.close();
		this.relay = null;
		this.captured.length = 0;
	}
}

/** Polls until `condition` holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 3000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

export function connectedTo(peer: TestPeer, others: TestPeer[]): boolean {
	const ids = peer.mesh.status.peers.map((p) => p.peerId);
	return others.every((other) => ids.includes(other.mesh.peerId));
}

/** Byte search: does `haystack` contain `needle`'s UTF-8 bytes anywhere? */
export function containsText(haystack: Uint8Array, needle: string): boolean {
	return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).includes(Buffer.from(needle, 'utf8'));
}
