/**
 * WebRtcLink driven through the mesh with a fake RTCPeerConnection (fake-webrtc.ts):
 * signaling over the real relay, the switch to the better link, fragmentation
 * and back-pressure on the data channel, and falling back to the relay.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { BUFFER_HIGH_BYTES, RETRY_DELAYS_MS } from '$lib/sync/mesh/webrtc-link';
import { FRAGMENT_BYTES } from '$lib/sync/mesh/fragments';
import { FakeRTCPeerConnection, openConnections, resetWebrtcStats, webrtcStats } from './fake-webrtc';
import { MeshWorld, waitFor } from './mesh-harness';

const world = new MeshWorld();
beforeEach(resetWebrtcStats);
afterEach(() => world.stopAll());

const linksTo = (from: { mesh: { status: { peers: { peerId: string; links: string[] }[] } } }, to: { mesh: { peerId: string } }) =>
	from.mesh.status.peers.find((peer) => peer.peerId === to.mesh.peerId)?.links ?? [];

/** Two WebRTC-capable meshes (fake RTCPeerConnection) in one room of a fresh relay. */
async function twoWebRtcPeers() {
	await world.startRelay();
	const options = { key: await world.key(), roomHash: world.room(), webrtc: true, RTCPeerConnection: FakeRTCPeerConnection };
	return [world.peer(options), world.peer(options)] as const;
}

describe('SyncMesh over WebRTC', () => {
	test('peers signal through the relay, then prefer the data channel; big chunks are fragmented with back-pressure', async () => {
		const [a, b] = await twoWebRtcPeers();
		await waitFor('a WebRTC link both ways', () => linksTo(a, b)[0] === 'webrtc' && linksTo(b, a)[0] === 'webrtc');
		expect(linksTo(a, b)).toEqual(['webrtc', 'relay']);
		// Exactly one connection per side: the lower id offered, the other answered.
		expect(openConnections()).toHaveLength(2);

		a.doc.getMap('runs').set('over', 'webrtc');
		await waitFor('b has the edit', () => b.doc.getMap('runs').get('over') === 'webrtc');

		const big = new Uint8Array(4 * 1024 * 1024).map((_, i) => (i * 31) & 0xff);
		const hash = await b.chunks.add(big);
		const relayedBefore = world.captured.reduce((sum, entry) => sum + entry.payload.length, 0);
		const fetched = await a.mesh.fetchChunk(hash, 'artifact');
		expect(Buffer.compare(Buffer.from(fetched), Buffer.from(big))).toBe(0);
		// The chunk took the data channel, in pieces no bigger than a fragment, without flooding its buffer.
		const relayedAfter = world.captured.reduce((sum, entry) => sum + entry.payload.length, 0);
		expect(relayedAfter - relayedBefore).toBeLessThan(64 * 1024);
		expect(webrtcStats.maxMessageBytes).toBeLessThanOrEqual(FRAGMENT_BYTES);
		expect(webrtcStats.messages).toBeGreaterThanOrEqual(64);
		expect(webrtcStats.maxBufferedAmount).toBeLessThanOrEqual(BUFFER_HIGH_BYTES + FRAGMENT_BYTES);
		expect(a.mesh.status.badPeers).toEqual([]);
	});

	test('when the connection fails, traffic falls back to the relay', async () => {
		const [a, b] = await twoWebRtcPeers();
		await waitFor('WebRTC up', () => linksTo(a, b)[0] === 'webrtc' && linksTo(b, a)[0] === 'webrtc');
		for (const connection of openConnections()) connection.fail();
		await waitFor('back on the relay', () => linksTo(a, b).join() === 'relay' && linksTo(b, a).join() === 'relay');
		b.doc.getMap('runs').set('after', 'failure');
		await waitFor('a has the edit', () => a.doc.getMap('runs').get('after') === 'failure');
		// The offerer tries again after RETRY_DELAYS_MS[0].
		await waitFor('WebRTC back', () => linksTo(a, b)[0] === 'webrtc' && linksTo(b, a)[0] === 'webrtc', RETRY_DELAYS_MS[0] + 1500);
		expect(openConnections()).toHaveLength(2);
	});

	test('a mesh without WebRTC (the Node peer) talks to a WebRTC-capable one over the relay', async () => {
		await world.startRelay();
		const key = await world.key();
		const roomHash = world.room();
		const browser = world.peer({ key, roomHash, webrtc: true, RTCPeerConnection: FakeRTCPeerConnection });
		const node = world.peer({ key, roomHash, webrtc: false });
		node.doc.getMap('runs').set('from', 'node');
		await waitFor('browser has it', () => browser.doc.getMap('runs').get('from') === 'node');
		expect(linksTo(browser, node)).toEqual(['relay']);
		expect(openConnections()).toHaveLength(0);
	});
});
