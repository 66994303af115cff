/**
 * The sync mesh end to end in Node: meshes on the `ws` client talking through
 * the real relay server (scripts/signaling.mjs) on 127.0.0.1, WebRTC and
 * BroadcastChannel off unless a test says otherwise.
 */
import { WebSocket as NodeWebSocket } from 'ws';
import { afterEach, describe, expect, test } from 'vitest';
import { encrypt } from '$lib/sync/encryption';
import { ChunkUnavailableError } from '$lib/sync/mesh/sync-mesh';
import { encodePublish, encodeSubscribe } from '$lib/sync/mesh/relay-wire';
import { fragment } from '$lib/sync/mesh/fragments';
import { RELAY_PIECE_BYTES } from '$lib/sync/mesh/relay-link';
import { MemoryChunkStore, MeshWorld, connectedTo, containsText, waitFor, type TestPeer } from './mesh-harness';

const world = new MeshWorld();
afterEach(() => world.stopAll());

const runs = (peer: TestPeer) => peer.doc.getMap<string>('runs');
const snapshot = (peer: TestPeer) =>
	JSON.stringify({ runs: [...runs(peer).entries()].sort(), notes: peer.doc.getText('notes').toString(), steps: peer.doc.getArray('steps').toArray() });
const bytesOf = (text: string) => new TextEncoder().encode(text);

async function threePeers() {
	await world.startRelay();
	const key = await world.key();
	const roomHash = world.room();
	const peers = [world.peer({ key, roomHash }), world.peer({ key, roomHash }), world.peer({ key, roomHash })] as const;
	await waitFor('three peers to find each other', () => peers.every((peer) => connectedTo(peer, peers.filter((other) => other !== peer))));
	return { key, roomHash, peers };
}

describe('SyncMesh over the relay', () => {
	test('docs converge after edits on each peer, and docsInSync turns true', async () => {
		const { peers } = await threePeers();
		const [a, b, c] = peers;
		runs(a).set('run-a', 'from a');
		b.doc.getText('notes').insert(0, 'hello from b');
		c.doc.transact(() => {
			runs(c).set('run-c', 'from c');
			c.doc.getArray<number>('steps').push([1, 2, 3]);
		});
		await waitFor('all docs equal', () => snapshot(a) === snapshot(b) && snapshot(b) === snapshot(c) && runs(a).size === 2);
		expect(b.doc.getText('notes').toString()).toBe('hello from b');
		expect(a.doc.getArray('steps').toArray()).toEqual([1, 2, 3]);
		await waitFor('docsInSync everywhere', () => peers.every((peer) => peer.mesh.status.docsInSync && peer.mesh.status.peers.every((p) => p.inSync)));
		for (const peer of peers) {
			expect(peer.mesh.status.signaling).toBe('connected');
			expect(peer.mesh.status.signalingError).toBeNull();
			expect(peer.mesh.status.peers.map((p) => p.links)).toEqual([['relay'], ['relay']]);
			expect(peer.mesh.status.lastSyncAt).not.toBeNull();
			expect(peer.mesh.status.badPeers).toEqual([]);
		}
		// A later edit makes the others briefly out of date, then in sync again.
		runs(a).set('run-a2', 'later');
		await waitFor('the later edit everywhere', () => runs(b).get('run-a2') === 'later' && runs(c).get('run-a2') === 'later');
		await waitFor('docsInSync again', () => peers.every((peer) => peer.mesh.status.docsInSync));
	});

	test('a first sync larger than the relay\'s 8 MiB message cap arrives whole (sent in 1 MiB pieces)', async () => {
		await world.startRelay();
		const key = await world.key();
		const roomHash = world.room();
		const a = world.peer({ key, roomHash });
		// ~12 MB of incompressible content: one Yjs update of that size in sync step 2.
		const blob = new Uint8Array(12 * 1024 * 1024);
		for (let i = 0; i < blob.length; i += 65536) globalThis.crypto.getRandomValues(blob.subarray(i, i + 65536));
		a.doc.getMap<Uint8Array>('big').set('blob', blob);
		const b = world.peer({ key, roomHash });
		await waitFor('b has the 12 MB value', () => b.doc.getMap<Uint8Array>('big').get('blob')?.length === blob.length, 10_000);
		expect(Buffer.from(b.doc.getMap<Uint8Array>('big').get('blob') as Uint8Array).equals(Buffer.from(blob))).toBe(true);
		expect(Math.max(...world.captured.map((m) => m.payload.length))).toBeLessThanOrEqual(1024 * 1024);
	});

	test('a peer joining late gets the whole doc, and onStatus reports the change', async () => {
		await world.startRelay();
		const key = await world.key();
		const roomHash = world.room();
		const a = world.peer({ key, roomHash });
		for (let i = 0; i < 50; i++) runs(a).set(`run-${i}`, `value ${i}`);
		const seen: number[] = [];
		const unsubscribe = a.mesh.onStatus((status) => seen.push(status.peers.length));
		const b = world.peer({ key, roomHash });
		await waitFor('b has all 50 runs', () => runs(b).size === 50);
		await waitFor('a saw b join', () => seen.includes(1));
		unsubscribe();
		const count = seen.length;
		runs(b).set('after', 'unsubscribe');
		await waitFor('a got the edit', () => runs(a).get('after') === 'unsubscribe');
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(seen.length).toBe(count);
	});

	test('awareness propagates, and is removed when a peer stops', async () => {
		const { peers } = await threePeers();
		const [a, b, c] = peers;
		a.awareness.setLocalState({ user: 'alice', cursor: 3 });
		await waitFor('b and c see alice', () => [b, c].every((peer) => (peer.awareness.getStates().get(a.doc.clientID) as { user?: string } | undefined)?.user === 'alice'));
		a.awareness.setLocalStateField('cursor', 7);
		await waitFor('b sees the cursor move', () => (b.awareness.getStates().get(a.doc.clientID) as { cursor?: number } | undefined)?.cursor === 7);

		await a.mesh.stop();
		await waitFor('alice gone from b and c', () => [b, c].every((peer) => !peer.awareness.getStates().has(a.doc.clientID)));
		await waitFor('a gone from the peer lists', () => [b, c].every((peer) => peer.mesh.status.peers.length === 1));
		expect(a.mesh.status.peers).toEqual([]);
		expect(a.mesh.status.signaling).toBe('off');
		// Stopped means detached: a's later edits go nowhere.
		runs(a).set('after-stop', 'x');
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(runs(b).has('after-stop')).toBe(false);
	});

	test('a chunk held by one peer is fetched by another, verified and stored', async () => {
		const { peers } = await threePeers();
		const [a, b] = peers;
		const bytes = bytesOf('metric chunk bytes '.repeat(100));
		const hash = await b.chunks.add(bytes);
		const [first, second] = await Promise.all([a.mesh.fetchChunk(hash, 'metric'), a.mesh.fetchChunk(hash, 'metric')]);
		expect(first).toEqual(bytes);
		expect(second).toBe(first); // one job for both callers
		expect(a.chunks.chunks.get(hash)).toEqual(bytes);
		expect(a.mesh.status.chunksPending).toBe(0);
		expect(a.mesh.status.badPeers).toEqual([]);
		// Already local: answered from the store without asking anyone.
		const asked = b.chunks.gets + peers[2].chunks.gets;
		expect(await a.mesh.fetchChunk(hash, 'metric')).toEqual(bytes);
		expect(b.chunks.gets + peers[2].chunks.gets).toBe(asked);
	});

	test('a 4 MiB artifact chunk crosses the relay intact', async () => {
		await world.startRelay();
		const key = await world.key();
		const roomHash = world.room();
		const a = world.peer({ key, roomHash });
		const b = world.peer({ key, roomHash });
		const big = new Uint8Array(4 * 1024 * 1024);
		for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) & 0xff;
		const hash = await b.chunks.add(big);
		await waitFor('a and b connected', () => connectedTo(a, [b]));
		const fetched = await a.mesh.fetchChunk(hash, 'artifact');
		expect(fetched.length).toBe(big.length);
		expect(Buffer.compare(Buffer.from(fetched), Buffer.from(big))).toBe(0);
	});

	test('a peer serving tampered bytes is reported, and the chunk comes from an honest peer', async () => {
		await world.startRelay();
		const key = await world.key();
		const roomHash = world.room();
		const bytes = bytesOf('the real artifact chunk');
		const liar = world.peer({ key, roomHash });
		const hash = await liar.chunks.add(bytes);
		liar.chunks.tamperWith = bytesOf('something else entirely');
		const a = world.peer({ key, roomHash });
		await waitFor('a and the liar connected', () => connectedTo(a, [liar]));

		const fetched = a.mesh.fetchChunk(hash, 'artifact');
		await waitFor('the liar reported', () => a.mesh.status.badPeers.some((report) => report.peerId === liar.mesh.peerId));
		const report = a.mesh.status.badPeers[0]!;
		expect(report.reason).toMatch(new RegExp(`sent chunk ${hash.slice(0, 12)}… whose bytes hash to [0-9a-f]{12}…`));
		expect(a.mesh.status.chunksPending).toBe(1);
		expect(a.chunks.chunks.has(hash)).toBe(false);

		const honest = world.peer({ key, roomHash });
		await honest.chunks.add(bytes);
		expect(await fetched).toEqual(bytes);
		expect(a.chunks.chunks.get(hash)).toEqual(bytes);
		expect(a.mesh.status.chunksPending).toBe(0);
	});

	test('a fetch nobody can answer waits, and resolves when a holder joins', async () => {
		await world.startRelay();
		const key = await world.key();
		const roomHash = world.room();
		const a = world.peer({ key, roomHash });
		const b = world.peer({ key, roomHash });
		await waitFor('a and b connected', () => connectedTo(a, [b]));
		const bytes = bytesOf('only the late peer has this');
		const holderChunks = new MemoryChunkStore();
		const hash = await holderChunks.add(bytes);

		let settled = false;
		const fetched = a.mesh.fetchChunk(hash, 'metric').finally(() => (settled = true));
		await waitFor('b was asked', () => b.chunks.gets > 0);
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(settled).toBe(false);
		expect(a.mesh.status.chunksPending).toBe(1);

		world.peer({ key, roomHash, chunks: holderChunks });
		expect(await fetched).toEqual(bytes);
		expect(a.mesh.status.chunksPending).toBe(0);
	});

	test('an aborted or cancelled fetch rejects with ChunkUnavailableError', async () => {
		await world.startRelay();
		const key = await world.key();
		const a = world.peer({ key, roomHash: world.room() });
		const hash = 'ab'.repeat(32);

		const controller = new AbortController();
		const aborted = a.mesh.fetchChunk(hash, 'artifact', { signal: controller.signal });
		const other = a.mesh.fetchChunk(hash, 'artifact');
		await waitFor('the fetch is pending', () => a.mesh.status.chunksPending === 1);
		controller.abort();
		await expect(aborted).rejects.toBeInstanceOf(ChunkUnavailableError);
		// The other caller still waits: aborting is per caller.
		expect(a.mesh.status.chunksPending).toBe(1);
		a.mesh.cancelFetch(hash);
		const error = await other.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ChunkUnavailableError);
		expect(error).toMatchObject({ name: 'ChunkUnavailableError', code: 'chunk_unavailable', hash });
		expect((error as Error).message).toMatch(/was not fetched: the fetch was cancelled/);
		await waitFor('nothing pending', () => a.mesh.status.chunksPending === 0);

		const onStop = a.mesh.fetchChunk(hash, 'metric');
		await a.mesh.stop();
		await expect(onStop).rejects.toThrow(/the sync mesh stopped/);
		await expect(a.mesh.fetchChunk('not-a-hash', 'metric')).rejects.toThrow(/64 lowercase hex digits/);
	});

	test('the relay sees only the room hash, peer ids and ciphertext', async () => {
		const { roomHash, peers } = await threePeers();
		const [a, b, c] = peers;
		const marker = 'PLAINTEXT-MARKER-7f3a9c';
		runs(a).set('secret-run', `${marker} in the doc`);
		c.awareness.setLocalState({ user: `${marker} in awareness` });
		const hash = await b.chunks.add(bytesOf(`${marker} in a chunk`));
		expect(new TextDecoder().decode(await a.mesh.fetchChunk(hash, 'artifact'))).toBe(`${marker} in a chunk`);
		await waitFor('c has the doc edit', () => runs(c).get('secret-run')?.startsWith(marker) ?? false);
		await waitFor('a sees c’s awareness', () => a.awareness.getStates().has(c.doc.clientID));

		const ids = new Set(peers.map((peer) => peer.mesh.peerId));
		expect(world.captured.length).toBeGreaterThan(10);
		for (const entry of world.captured) {
			expect(entry.topic).toBe(roomHash);
			expect(ids.has(entry.from)).toBe(true);
			if (entry.to !== null) expect(ids.has(entry.to)).toBe(true);
			expect(containsText(entry.payload, marker)).toBe(false);
			expect(containsText(entry.payload, 'secret-run')).toBe(false);
		}
	});

	test('a peer with another key cannot sync, and both sides report decryption failures', async () => {
		await world.startRelay();
		const key = await world.key();
		const roomHash = world.room();
		const a = world.peer({ key, roomHash });
		const b = world.peer({ key, roomHash });
		const intruder = world.peer({ key: await world.key(), roomHash });
		runs(a).set('private', 'only for key holders');
		await waitFor('b has the edit', () => runs(b).get('private') === 'only for key holders');
		await waitFor('the intruder reported by a', () => a.mesh.status.badPeers.some((r) => r.peerId === intruder.mesh.peerId && /failed to decrypt/.test(r.reason)));
		await waitFor('the intruder reports a', () => intruder.mesh.status.badPeers.some((r) => r.peerId === a.mesh.peerId && /failed to decrypt/.test(r.reason)));
		expect(a.mesh.status.peers.map((p) => p.peerId)).toEqual([b.mesh.peerId]);
		expect(intruder.mesh.status.peers).toEqual([]);
		expect(runs(intruder).size).toBe(0);
		// One entry per peer and fault, however many frames failed.
		expect(a.mesh.status.badPeers.filter((r) => r.peerId === intruder.mesh.peerId)).toHaveLength(1);
	});

	test('malformed frames sealed with the right key are dropped and reported', async () => {
		const relay = await world.startRelay();
		const key = await world.key();
		const roomHash = world.room();
		const a = world.peer({ key, roomHash });
		await waitFor('a connected', () => a.mesh.status.signaling === 'connected');

		const forger = 'forger-0001';
		const socket = new NodeWebSocket(relay.url);
		await new Promise((resolve) => socket.once('open', resolve));
		socket.send(encodeSubscribe(roomHash, forger));
		// Packets cross the relay in pieces (relay-link.ts); one piece each here.
		const publish = async (plaintext: Uint8Array<ArrayBuffer>) => {
			for (const piece of fragment(await encrypt(key, plaintext), RELAY_PIECE_BYTES)) socket.send(encodePublish(roomHash, null, piece));
		};
		// Not even a packet header.
		await publish(new Uint8Array([1, 2, 3]));
		await waitFor('the garbage reported', () => a.mesh.status.badPeers.some((r) => r.peerId === forger && /malformed frame/.test(r.reason)));
		// A valid packet that claims another sender.
		const { encodePacket } = await import('$lib/sync/mesh/protocol');
		await publish(encodePacket({ from: 'someone-else-42', to: null, frame: { type: 'hello', wantsReply: true, webrtc: false } }));
		await waitFor('the impostor reported', () => a.mesh.status.badPeers.some((r) => r.peerId === forger && /sealed by peer someone-else-42/.test(r.reason)));
		// A sync message that is not a Yjs update.
		await publish(encodePacket({ from: forger, to: null, frame: { type: 'sync', message: new Uint8Array([2, 5, 255, 255, 255, 255, 1]) } }));
		await waitFor('the bad update reported', () => a.mesh.status.badPeers.some((r) => r.peerId === forger && /Yjs update|malformed/.test(r.reason)));
		socket.close();
		expect(a.doc.share.size).toBe(0);
	});

	test('unreachable signaling is reported in words, and everything still works locally', async () => {
		const key = await world.key();
		const a = world.peer({ key, roomHash: world.room(), signalingUrls: ['ws://127.0.0.1:1/signal'] });
		await waitFor('unreachable', () => a.mesh.status.signaling === 'unreachable');
		expect(a.mesh.status.signalingError).toBe('Cannot reach the signaling server ws://127.0.0.1:1/signal; working locally, will retry');
		runs(a).set('offline', 'fine');
		expect(a.mesh.status.docsInSync).toBe(true);
		expect(a.mesh.status.peers).toEqual([]);

		const off = world.peer({ key, roomHash: world.room(), signalingUrls: [] });
		expect(off.mesh.status.signaling).toBe('off');
	});

	test('after the relay restarts, peers reconnect and exchange what changed meanwhile', async () => {
		const relay = await world.startRelay();
		const port = relay.port;
		const key = await world.key();
		const roomHash = world.room();
		const a = world.peer({ key, roomHash });
		const b = world.peer({ key, roomHash });
		await waitFor('connected', () => connectedTo(a, [b]));
		a.awareness.setLocalState({ user: 'alice' });
		await waitFor('b sees alice', () => b.awareness.getStates().has(a.doc.clientID));

		await relay.close();
		await waitFor('peers lost', () => a.mesh.status.peers.length === 0 && b.mesh.status.peers.length === 0);
		expect(b.awareness.getStates().has(a.doc.clientID)).toBe(false);
		expect(['connecting', 'unreachable']).toContain(a.mesh.status.signaling);
		runs(a).set('while-apart', 'a');
		runs(b).set('also-apart', 'b');

		await world.startRelay(port);
		await waitFor('reconnected and merged', () => runs(a).get('also-apart') === 'b' && runs(b).get('while-apart') === 'a', 4000);
		expect(a.mesh.status.signaling).toBe('connected');
		await waitFor('awareness back', () => b.awareness.getStates().has(a.doc.clientID));
	});
});

describe('SyncMesh over BroadcastChannel', () => {
	test('two meshes in one process sync through BroadcastChannel alone, and prefer it over the relay', async () => {
		const key = await world.key();
		const roomHash = world.room();
		const a = world.peer({ key, roomHash, broadcast: true, signalingUrls: [] });
		const b = world.peer({ key, roomHash, broadcast: true, signalingUrls: [] });
		runs(a).set('tab', 'one');
		await waitFor('b has the edit', () => runs(b).get('tab') === 'one');
		expect(b.mesh.status.peers).toEqual([{ peerId: a.mesh.peerId, links: ['broadcast'], inSync: expect.any(Boolean) }]);
		await b.mesh.stop();
		await waitFor('a saw b leave', () => a.mesh.status.peers.length === 0);

		await world.startRelay();
		const room2 = world.room();
		const c = world.peer({ key, roomHash: room2, broadcast: true, signalingUrls: [world.relay!.url] });
		const d = world.peer({ key, roomHash: room2, broadcast: true, signalingUrls: [world.relay!.url] });
		await waitFor('both links up', () => d.mesh.status.peers.find((p) => p.peerId === c.mesh.peerId)?.links.length === 2);
		expect(d.mesh.status.peers.find((p) => p.peerId === c.mesh.peerId)?.links).toEqual(['broadcast', 'relay']);
		await waitFor('c sees both links too', () => c.mesh.status.peers.find((p) => p.peerId === d.mesh.peerId)?.links.length === 2);
		await waitFor('c and d in sync', () => c.mesh.status.docsInSync && d.mesh.status.docsInSync && c.mesh.status.peers.length === 1);
		const relayed = world.captured.length;
		runs(c).set('best-link', 'broadcast');
		await waitFor('d has it', () => runs(d).get('best-link') === 'broadcast');
		await waitFor('in sync again', () => c.mesh.status.docsInSync && d.mesh.status.docsInSync);
		// The update and the state-vector reports took the best link: none of them crossed the relay.
		expect(world.captured.length).toBe(relayed);
	});
});
