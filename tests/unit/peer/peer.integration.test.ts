/**
 * The always-on peer end to end, in one process: a real relay (scripts/signaling.mjs
 * on 127.0.0.1, port 0), the peer (startPeer, as `npm run peer` runs it) and two
 * SyncMesh clients over the `ws` WebSocket. A writes runs and a metric chunk
 * and leaves; the peer restarts from its directory; B, who was never online
 * with A, gets the document and the verified chunk from the peer.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import { afterEach, describe, expect, it } from 'vitest';
import { readRun, root, type SeriesEntry } from '$lib/sync/doc-schema';
import { importKey } from '$lib/sync/encryption';
import { SyncMesh } from '$lib/sync/mesh/sync-mesh';
import type { ChunkKind, ChunkStore } from '$lib/sync/mesh-types';
import { newShareSecret, roomHash } from '$lib/sync/share-link';
import { startSignaling } from '../../../scripts/signaling.mjs';
import { startPeer, type RunningPeer } from '../../../peer/peer';
import { addRun, addSeriesChunk, makeRun, metricChunk, removeTempDirs, sha256, tempDir } from './fixtures';

const WS = WebSocket as unknown as typeof globalThis.WebSocket;

class MemoryChunks implements ChunkStore {
	readonly map = new Map<string, Uint8Array>();
	async get(hash: string, _kind: ChunkKind) {
		return this.map.get(hash);
	}
	async put(hash: string, bytes: Uint8Array, _kind: ChunkKind) {
		this.map.set(hash, bytes);
	}
}

async function until(what: string, condition: () => boolean, ms = 4_000): Promise<void> {
	const end = Date.now() + ms;
	while (!condition()) {
		if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
		await new Promise((r) => setTimeout(r, 10));
	}
}

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
	for (const step of cleanups.splice(0).reverse()) await step();
	await removeTempDirs();
});

describe('always-on peer', () => {
	it('keeps a workspace for teammates who are never online together, across a restart', async () => {
		const relayed: Uint8Array[] = [];
		const relay = await startSignaling({ port: 0, host: '127.0.0.1', capture: (m) => relayed.push(m.payload) });
		cleanups.push(() => relay.close());
		const secret = newShareSecret();
		const key = await importKey(secret.key);
		const room = await roomHash(secret.roomId);
		const dataDir = join(await tempDir(), 'peer');
		const warnings: string[] = [];
		const lines: string[] = [];
		const peerOptions = { dataDir, signalingUrls: [relay.url], heartbeatMs: 0, statusGapMs: 0, warn: (w: string) => warnings.push(w), print: (l: string) => lines.push(l) };

		const client = (doc: Y.Doc, chunks: ChunkStore) => {
			const mesh = new SyncMesh({ doc, awareness: new Awareness(doc), key, roomHash: room, signalingUrls: [relay.url], chunks, webrtc: false, broadcast: false, WebSocket: WS });
			cleanups.push(() => mesh.stop());
			mesh.start();
			return mesh;
		};

		// 1. The peer joins with the link.
		let peer: RunningPeer = await startPeer({ ...peerOptions, join: secret });
		cleanups.push(() => peer.stop());

		// 2. A logs two runs and a sealed metric chunk that only A holds, then goes offline.
		const docA = new Y.Doc();
		addRun(docA, makeRun('r1', { notes: 'first try' }));
		addRun(docA, makeRun('r2'));
		const chunk = metricChunk(1024);
		const chunksA = new MemoryChunks();
		await chunksA.put(chunk.hash, chunk.bytes, 'metric');
		addSeriesChunk(docA, 'r1', 'loss\u001ftrain', 0, chunk.hash, 1024);
		const meshA = client(docA, chunksA);
		await until('the peer holds the chunk and A is in sync with it', () =>
			peer.status.chunks.held === 1 && meshA.status.peers.length === 1 && meshA.status.docsInSync);
		await meshA.stop();
		expect(root(peer.doc, 'runs').size).toBe(2);
		expect(peer.status.chunks).toEqual({ referenced: 1, held: 1, pending: 0, failing: 0 });
		expect((await stat(join(dataDir, 'chunks', chunk.hash.slice(0, 2), chunk.hash))).size).toBe(chunk.bytes.length);

		// 3. The peer restarts from its directory alone (no --join).
		await peer.stop();
		peer = await startPeer(peerOptions);
		expect(root(peer.doc, 'runs').size).toBe(2);
		expect(Y.encodeStateVector(peer.doc)).toEqual(Y.encodeStateVector(docA));

		// 4. B joins later, gets the document from the peer and fetches the chunk from it.
		const docB = new Y.Doc();
		const chunksB = new MemoryChunks();
		const meshB = client(docB, chunksB);
		await until('B has the runs', () => root(docB, 'runs').size === 2 && root(docB, 'series').size === 1);
		expect(readRun('r1', root<Y.Map<unknown>>(docB, 'runs').get('r1')!).notes).toBe('first try');
		const entry = [...root<SeriesEntry>(docB, 'series').values()][0]!;
		const bytes = await meshB.fetchChunk(entry.hash, 'metric');
		expect(sha256(bytes)).toBe(chunk.hash);
		expect(bytes).toEqual(chunk.bytes);
		expect(chunksB.map.has(chunk.hash)).toBe(true);
		await until('B and the peer are in sync', () => meshB.status.docsInSync && meshB.status.peers.length === 1);
		expect(Y.encodeStateAsUpdate(docB)).toEqual(Y.encodeStateAsUpdate(docA));

		// The relay carried only ciphertext: the chunk's bytes never crossed it in the clear.
		const probe = Buffer.from(chunk.bytes.subarray(8 * 1024, 8 * 1024 + 64));
		expect(relayed.length).toBeGreaterThan(0);
		expect(relayed.some((payload) => Buffer.from(payload).includes(probe))).toBe(false);
		expect(warnings).toEqual([]);
		expect(lines.join('\n')).toMatch(/1 peer · docs in sync · chunks 1 held, 0 pending · signaling connected/);
	}, 15_000);

	it('says clearly when the signaling server cannot be reached, and keeps running', async () => {
		const dataDir = join(await tempDir(), 'peer');
		const warnings: string[] = [];
		// Port 9 (discard) on loopback: nothing listens there.
		const peer = await startPeer({ dataDir, join: newShareSecret(), signalingUrls: ['ws://127.0.0.1:9/signal'], heartbeatMs: 0, warn: (w) => warnings.push(w) });
		cleanups.push(() => peer.stop());
		await until('signaling is unreachable', () => peer.status.signaling === 'unreachable');
		await until('the error was reported', () => warnings.length > 0);
		expect(warnings[0]).toMatch(/Cannot reach the signaling server ws:\/\/127\.0\.0\.1:9\/signal.*check --signal/);
		await peer.stop();
	});
});
