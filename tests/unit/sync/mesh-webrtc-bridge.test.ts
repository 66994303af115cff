/**
 * The WebRTC bridge (webrtc-bridge.ts): meshes whose WebRTC link runs behind a
 * MessagePort, as in the sync worker, with the page side on the fake
 * RTCPeerConnection (fake-webrtc.ts) and signaling over the real relay; then
 * each side of the bridge alone, driven by hand over Node's MessageChannel.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { MAX_CHUNK_BYTES, type SignalMessage } from '$lib/sync/mesh/protocol';
import { FRAGMENT_BYTES } from '$lib/sync/mesh/fragments';
import { RETRY_DELAYS_MS } from '$lib/sync/mesh/webrtc-link';
import type { Link, LinkEvents } from '$lib/sync/mesh/link';
import {
	BridgedWebRtc,
	bridgedWebRtc,
	canHostWebRtc,
	hostWebRtc,
	WebRtcUnavailableError,
	type BridgeCommand,
	type BridgeEvent,
	type WebRtcTransportFactory
} from '$lib/sync/mesh/webrtc-bridge';
import { FakeRTCPeerConnection, openConnections, resetWebrtcStats, webrtcStats } from './fake-webrtc';
import { MeshWorld, waitFor, type TestPeer } from './mesh-harness';

const world = new MeshWorld();
/** Everything a test opened on the bridge, closed after it whatever happened. */
const cleanups: (() => void)[] = [];
beforeEach(resetWebrtcStats);
afterEach(async () => {
	vi.restoreAllMocks();
	await world.stopAll();
	for (const cleanup of cleanups.splice(0)) cleanup();
});

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const C = 'c'.repeat(32);

type Call = { event: keyof LinkEvents; link: Link | null; args: unknown[] };

/** LinkEvents that record each call (and the `link` it named) before passing it on. */
function recording(inner: LinkEvents | null, calls: Call[]): LinkEvents {
	return {
		packet: (link, ...args) => (calls.push({ event: 'packet', link, args }), inner?.packet(link, ...args)),
		announce: (link, ...args) => (calls.push({ event: 'announce', link, args }), inner?.announce(link, ...args)),
		peerUp: (link, ...args) => (calls.push({ event: 'peerUp', link, args }), inner?.peerUp(link, ...args)),
		peerDown: (link, ...args) => (calls.push({ event: 'peerDown', link, args }), inner?.peerDown(link, ...args)),
		misbehaved: (...args) => (calls.push({ event: 'misbehaved', link: null, args }), inner?.misbehaved(...args)),
		changed: () => (calls.push({ event: 'changed', link: null, args: [] }), inner?.changed())
	};
}

interface Bridged {
	peer: TestPeer;
	/** The worker-side link the mesh got, once the mesh built it. */
	link: () => BridgedWebRtc;
	calls: Call[];
}

/** A mesh as the worker runs it: its WebRTC link is a BridgedWebRtc, hosted "on the page" over a MessageChannel. */
function bridgedPeer(options: { key: CryptoKey; roomHash: string }): Bridged {
	const calls: Call[] = [];
	let link: BridgedWebRtc | null = null;
	const webrtcTransport: WebRtcTransportFactory = (transport) => {
		const { port1, port2 } = new MessageChannel();
		cleanups.push(hostWebRtc(port1, { RTCPeerConnection: FakeRTCPeerConnection }));
		link = new BridgedWebRtc(port2, { ...transport, events: recording(transport.events, calls) });
		return link;
	};
	const peer = world.peer({ ...options, webrtc: true, webrtcTransport });
	return {
		peer,
		calls,
		link: () => {
			if (!link) throw new Error('the mesh did not build its WebRTC link');
			return link;
		}
	};
}

const linksTo = (from: TestPeer, to: TestPeer) => from.mesh.status.peers.find((peer) => peer.peerId === to.mesh.peerId)?.links ?? [];
const relayedBytes = () => world.captured.reduce((sum, entry) => sum + entry.payload.length, 0);

async function connectedPair() {
	await world.startRelay();
	const options = { key: await world.key(), roomHash: world.room() };
	const a = bridgedPeer(options);
	const b = bridgedPeer(options);
	await waitFor('a WebRTC link both ways', () => linksTo(a.peer, b.peer)[0] === 'webrtc' && linksTo(b.peer, a.peer)[0] === 'webrtc');
	return { a, b };
}

describe('SyncMesh with its WebRTC link behind the bridge', () => {
	test('meshes connect over webrtc, sync both ways, and move a 5 MB update and a full-size chunk off the relay', async () => {
		const { a, b } = await connectedPair();
		expect(linksTo(a.peer, b.peer)).toEqual(['webrtc', 'relay']);
		// The page side holds the real connections: one per mesh, the lower id offered.
		expect(openConnections()).toHaveLength(2);
		expect(a.link().isOpen(b.peer.mesh.peerId)).toBe(true);
		expect(b.link().isOpen(a.peer.mesh.peerId)).toBe(true);
		expect(a.link().isOpen(C)).toBe(false);
		// The mesh heard of the channel from the bridged link itself, not from the page's WebRtcLink.
		expect(a.calls.filter((call) => call.event === 'peerUp').map((call) => [call.link === a.link(), call.args])).toEqual([[true, [b.peer.mesh.peerId]]]);

		a.peer.doc.getMap('runs').set('from', 'a');
		b.peer.doc.getMap('runs').set('from-b', 'b');
		await waitFor('both edits on both sides', () => b.peer.doc.getMap('runs').get('from') === 'a' && a.peer.doc.getMap('runs').get('from-b') === 'b');

		const before = relayedBytes();
		const blob = new Uint8Array(5 * 1024 * 1024).map((_, i) => (i * 7) & 0xff);
		a.peer.doc.getMap('blobs').set('big', blob);
		await waitFor('b has the 5 MB update', () => b.peer.doc.getMap('blobs').get('big') instanceof Uint8Array);
		expect(Buffer.compare(Buffer.from(b.peer.doc.getMap('blobs').get('big') as Uint8Array), Buffer.from(blob))).toBe(0);

		const chunk = new Uint8Array(MAX_CHUNK_BYTES).map((_, i) => (i * 31) & 0xff);
		const hash = await a.peer.chunks.add(chunk);
		const fetched = await b.peer.mesh.fetchChunk(hash, 'artifact');
		expect(Buffer.compare(Buffer.from(fetched), Buffer.from(chunk))).toBe(0);

		// ~9 MB crossed, all of it on the data channel in fragment-sized pieces: the relay saw only small frames.
		expect(relayedBytes() - before).toBeLessThan(64 * 1024);
		expect(webrtcStats.maxMessageBytes).toBeLessThanOrEqual(FRAGMENT_BYTES);
		expect(webrtcStats.messages).toBeGreaterThanOrEqual(2 * 64);
		expect(a.peer.mesh.status.badPeers).toEqual([]);
		expect(b.peer.mesh.status.badPeers).toEqual([]);
	});

	test('a failed connection reaches the worker as peerDown: isOpen turns false and traffic falls back to the relay', async () => {
		const { a, b } = await connectedPair();
		const bId = b.peer.mesh.peerId;
		for (const connection of openConnections()) connection.fail();
		await waitFor('back on the relay', () => linksTo(a.peer, b.peer).join() === 'relay' && linksTo(b.peer, a.peer).join() === 'relay');
		expect(a.link().isOpen(bId)).toBe(false);
		expect(a.calls.filter((call) => call.event === 'peerDown').map((call) => [call.link === a.link(), call.args])).toEqual([[true, [bId]]]);

		b.peer.doc.getMap('runs').set('after', 'failure');
		await waitFor('a has the edit over the relay', () => a.peer.doc.getMap('runs').get('after') === 'failure');
	});

	test('stopping the meshes and disposing the hosts leaves no connection, timer or port behind', async () => {
		const pending = pendingTimers();
		const { a } = await connectedPair();
		// A failed connection leaves the offerer (on the page) waiting to retry: stop must cancel that too.
		for (const connection of openConnections()) connection.fail();
		await waitFor('the WebRTC link is down', () => !a.peer.mesh.status.peers.some((peer) => peer.links.includes('webrtc')));
		expect([...pending.values()]).toContain(RETRY_DELAYS_MS[0]);

		// The meshes' stop reaches the page over the port: the hosts stop their links before anyone disposes them.
		await world.stopAll();
		await waitFor('every timer cleared or fired', () => pending.size === 0);
		expect(openConnections()).toHaveLength(0);
		const ports = () => process.getActiveResourcesInfo().filter((name) => name === 'MessagePort').length;
		expect(ports()).toBeGreaterThan(0);
		for (const cleanup of cleanups.splice(0)) cleanup();
		await waitFor('ports released', () => ports() === 0);
	});

	test('a worker given no port (the page has no RTCPeerConnection) runs its mesh without WebRTC', async () => {
		expect(canHostWebRtc()).toBe(false); // Node has no RTCPeerConnection
		expect(canHostWebRtc(FakeRTCPeerConnection)).toBe(true);
		const { port1 } = new MessageChannel();
		cleanups.push(() => port1.close());
		expect(() => hostWebRtc(port1)).toThrow(WebRtcUnavailableError);

		const unused: LinkEvents = recording(null, []);
		expect(bridgedWebRtc(null)({ peerId: A, events: unused, sendSignal: () => {} })).toBeNull();

		// The mesh asks for a transport only when WebRTC is on and a relay can carry the signaling.
		const key = await world.key();
		const factory = vi.fn(() => null);
		world.peer({ key, roomHash: world.room(), webrtc: true, webrtcTransport: factory }); // no relay yet
		await world.startRelay();
		const options = { key, roomHash: world.room() };
		world.peer({ ...options, webrtc: false, webrtcTransport: factory });
		expect(factory).not.toHaveBeenCalled();

		const withWebrtc = bridgedPeer(options);
		const without = world.peer({ ...options, webrtc: true, webrtcTransport: bridgedWebRtc(null) });
		without.doc.getMap('runs').set('from', 'no-webrtc');
		await waitFor('the edit arrives over the relay', () => withWebrtc.peer.doc.getMap('runs').get('from') === 'no-webrtc');
		// Its hello said "no WebRTC", so even the peer that could offer never did.
		expect(linksTo(withWebrtc.peer, without)).toEqual(['relay']);
		expect(openConnections()).toHaveLength(0);
	});
});

/**
 * Timers started from now on and neither fired nor cleared yet, with their delays.
 * (process.getActiveResourcesInfo() cannot tell: it counts Node's timer lists, not timers.)
 */
function pendingTimers(): Map<unknown, number | undefined> {
	const pending = new Map<unknown, number | undefined>();
	const { setTimeout: realSet, clearTimeout: realClear } = globalThis;
	vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) => {
		const handle = realSet(() => {
			pending.delete(handle);
			callback(...args);
		}, delay);
		pending.set(handle, delay);
		return handle;
	}) as typeof setTimeout);
	vi.spyOn(globalThis, 'clearTimeout').mockImplementation((handle) => {
		pending.delete(handle);
		realClear(handle);
	});
	return pending;
}

/** One end of a MessageChannel driven by hand: what it received, in order. */
function handDriven(port: MessagePort) {
	const received: unknown[] = [];
	port.addEventListener('message', (event: MessageEvent) => received.push(event.data));
	port.start();
	cleanups.push(() => port.close());
	return received;
}

const offer: SignalMessage = { kind: 'description', description: { type: 'offer', sdp: 'fake-sdp:none' } };

describe('BridgedWebRtc (worker side) alone', () => {
	function setup() {
		const { port1: page, port2: worker } = new MessageChannel();
		const received = handDriven(page);
		const calls: Call[] = [];
		const signals: [string, SignalMessage][] = [];
		const link = new BridgedWebRtc(worker, { peerId: A, events: recording(null, calls), sendSignal: (to, signal) => signals.push([to, signal]) });
		const send = (event: unknown) => page.postMessage(event);
		return { page, link, received, calls, signals, send };
	}

	test('mirrors peer-up and peer-down (incl. null) in isOpen, and forwards every event with itself as the link', async () => {
		const { page, link, received, calls, signals, send } = setup();
		await waitFor('init', () => received.length === 1);
		expect(received[0]).toEqual({ type: 'init', session: A });

		send({ type: 'peer-up', session: A, peerId: B });
		send({ type: 'peer-up', session: A, peerId: C });
		await waitFor('both up', () => link.isOpen(B) && link.isOpen(C));
		send({ type: 'peer-down', session: A, peerId: B });
		await waitFor('B down', () => !link.isOpen(B));
		expect(link.isOpen(C)).toBe(true);
		send({ type: 'peer-down', session: A, peerId: null });
		send({ type: 'announce', session: A, wantsReply: true });
		send({ type: 'misbehaved', session: A, peerId: C, reason: 'broken fragment' });
		send({ type: 'changed', session: A });
		const bytes = new Uint8Array([1, 2, 3]);
		page.postMessage({ type: 'packet', session: A, from: C, sealed: bytes.buffer }, [bytes.buffer]);
		send({ type: 'signal', session: A, to: B, signal: { ...offer, extra: 'dropped' } });
		await waitFor('all delivered', () => signals.length === 1);
		expect(link.isOpen(C)).toBe(false);
		expect(signals).toEqual([[B, offer]]);
		expect(calls.map(({ event, link: named, args }) => [event, named === link || named === null, args])).toEqual([
			['peerUp', true, [B]],
			['peerUp', true, [C]],
			['peerDown', true, [B]],
			['peerDown', true, [null]],
			['announce', true, [true]],
			['misbehaved', true, [C, 'broken fragment']],
			['changed', true, []],
			['packet', true, [C, new Uint8Array([1, 2, 3])]]
		]);
		expect(calls.filter((call) => call.link !== null).every((call) => call.link === link)).toBe(true);
	});

	test('ignores malformed messages and other sessions without throwing', async () => {
		const { link, received, calls, signals, send } = setup();
		for (const junk of [
			null,
			'peer-up',
			[1, 2],
			{ type: 'peer-up', peerId: B },
			{ type: 'peer-up', session: A, peerId: 5 },
			{ type: 'peer-up', session: 'x', peerId: B },
			{ type: 'peer-up', session: B, peerId: C }, // an older mesh's link
			{ type: 'peer-down', session: A },
			{ type: 'packet', session: A, from: B, sealed: 'not bytes' },
			{ type: 'packet', session: A, from: B, sealed: new Uint8Array(4) },
			{ type: 'announce', session: A, wantsReply: 'yes' },
			{ type: 'misbehaved', session: A, peerId: B },
			{ type: 'signal', session: A, to: B, signal: { kind: 'description', description: { type: 'pranswer', sdp: '' } } },
			{ type: 'signal', session: A, to: B, signal: { kind: 'candidate', candidate: { candidate: 'c', sdpMid: null, sdpMLineIndex: -1, usernameFragment: null } } },
			{ type: 'launch-missiles', session: A }
		]) {
			send(junk);
		}
		send({ type: 'changed', session: A }); // the sentinel: delivered after all of the above
		await waitFor('the sentinel', () => calls.length > 0);
		expect(calls.map((call) => call.event)).toEqual(['changed']);
		expect(signals).toEqual([]);
		expect(link.isOpen(B) || link.isOpen(C)).toBe(false);
		expect(received).toEqual([{ type: 'init', session: A }]);
	});

	test('send copies (the mesh reuses sealed bytes for other links) and only when a channel is open; stop ends it', async () => {
		const { link, received, send } = setup();
		const sealed = new Uint8Array([9, 8, 7, 6]);
		link.send(B, sealed); // not open: dropped here
		send({ type: 'peer-up', session: A, peerId: B });
		await waitFor('B up', () => link.isOpen(B));
		link.send(B, sealed);
		link.send(null, sealed);
		link.send(C, sealed); // not open
		expect([...sealed]).toEqual([9, 8, 7, 6]); // still usable by the relay link after the transfer
		await waitFor('two sends', () => received.length === 3);
		const sends = received.slice(1) as Extract<BridgeCommand, { type: 'send' }>[];
		expect(sends.map(({ type, session, to, sealed: buffer }) => [type, session, to, [...new Uint8Array(buffer)]])).toEqual([
			['send', A, B, [9, 8, 7, 6]],
			['send', A, null, [9, 8, 7, 6]]
		]);

		link.peerGone(B);
		expect(link.isOpen(B)).toBe(false); // at once, as WebRtcLink closes the channel at once
		link.stop();
		send({ type: 'peer-up', session: A, peerId: C });
		link.peerReachable(C, true);
		link.send(null, sealed);
		await waitFor('gone and stop', () => received.length === 5);
		expect(received.slice(3)).toEqual([
			{ type: 'peer-gone', session: A, peerId: B },
			{ type: 'stop', session: A }
		]);
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(link.isOpen(C)).toBe(false);
		expect(received).toHaveLength(5);
	});
});

describe('hostWebRtc (page side) alone', () => {
	test('builds the link on init, ignores malformed commands and other sessions, and dispose closes everything', async () => {
		const { port1: page, port2: worker } = new MessageChannel();
		const dispose = hostWebRtc(page, { RTCPeerConnection: FakeRTCPeerConnection });
		cleanups.push(dispose);
		const received = handDriven(worker) as BridgeEvent[];
		let closed = false;
		worker.addEventListener('close', () => (closed = true));
		const command = (message: BridgeCommand | Record<string, unknown>) => worker.postMessage(message);

		command({ type: 'peer-reachable', session: A, peerId: B, acceptsWebrtc: true }); // before init: no link yet
		command({ type: 'init', session: A });
		command({ type: 'init', session: 'not a peer id' }); // would replace A's link if it counted
		command({ type: 'start', session: A });
		command({ type: 'peer-reachable', session: A, peerId: B, acceptsWebrtc: 'yes' });
		command({ type: 'peer-reachable', session: C, peerId: B, acceptsWebrtc: true }); // not the current mesh
		command({ type: 'signal', session: A, from: B, signal: { kind: 'description' } });
		command({ type: 'send', session: A, to: B, sealed: [1, 2] });
		command(null as unknown as Record<string, unknown>);
		command({ type: 'peer-reachable', session: A, peerId: B, acceptsWebrtc: true }); // the one that counts

		// A (lower id) offers to B: one connection, and its offer comes back for the relay.
		await waitFor('the offer', () => received.some((event) => event.type === 'signal'));
		expect(openConnections()).toHaveLength(1);
		expect(received.find((event) => event.type === 'signal')).toMatchObject({ type: 'signal', session: A, to: B, signal: { kind: 'description', description: { type: 'offer' } } });

		dispose();
		dispose(); // twice is harmless
		expect(openConnections()).toHaveLength(0);
		await waitFor('the worker end sees the port close', () => closed);
	});
});

describe('two hosts wired to each other by hand', () => {
	/** A host with its worker end driven by the test; signals it emits go to `route`. */
	function host(session: string, route: (to: string, signal: SignalMessage) => void) {
		const { port1: page, port2: worker } = new MessageChannel();
		const dispose = hostWebRtc(page, { RTCPeerConnection: FakeRTCPeerConnection });
		cleanups.push(dispose);
		const received = handDriven(worker) as BridgeEvent[];
		worker.addEventListener('message', (event: MessageEvent) => {
			const data = event.data as BridgeEvent;
			if (data.type === 'signal') route(data.to, data.signal);
		});
		const command = (message: BridgeCommand | Record<string, unknown>, transfer: Transferable[] = []) => worker.postMessage(message, transfer);
		command({ type: 'init', session });
		command({ type: 'start', session });
		return { received, command, dispose };
	}

	test('packets cross only as ArrayBuffers to valid peers, and closing one side reports peer-down on the other', async () => {
		const hosts: Record<string, ReturnType<typeof host>> = {};
		const route = (from: string) => (to: string, signal: SignalMessage) => hosts[to]?.command({ type: 'signal', session: to, from, signal });
		const a = (hosts[A] = host(A, route(A)));
		const b = (hosts[B] = host(B, route(B)));
		a.command({ type: 'peer-reachable', session: A, peerId: B, acceptsWebrtc: true });
		b.command({ type: 'peer-reachable', session: B, peerId: A, acceptsWebrtc: true });
		await waitFor('peer-up on both', () => a.received.some((e) => e.type === 'peer-up') && b.received.some((e) => e.type === 'peer-up'));
		expect(a.received.filter((e) => e.type === 'peer-up')).toEqual([{ type: 'peer-up', session: A, peerId: B }]);
		expect(b.received.filter((e) => e.type === 'peer-up')).toEqual([{ type: 'peer-up', session: B, peerId: A }]);

		a.command({ type: 'send', session: A, to: B, sealed: [1, 2] });
		a.command({ type: 'send', session: A, to: B, sealed: new Uint8Array([3, 4]) });
		a.command({ type: 'send', session: A, to: 'not a peer id', sealed: new Uint8Array([5]).buffer });
		a.command({ type: 'send', session: B, to: B, sealed: new Uint8Array([6]).buffer }); // another mesh's command
		const big = new Uint8Array(3 * FRAGMENT_BYTES + 17).map((_, i) => i & 0xff);
		a.command({ type: 'send', session: A, to: B, sealed: big.buffer }, [big.buffer]);
		a.command({ type: 'send', session: A, to: null, sealed: new Uint8Array([7, 7]).buffer });
		await waitFor('two packets at b', () => b.received.filter((e) => e.type === 'packet').length === 2);
		const packets = b.received.filter((e): e is Extract<BridgeEvent, { type: 'packet' }> => e.type === 'packet');
		expect(packets.map((p) => [p.session, p.from, p.sealed.byteLength])).toEqual([
			[B, A, 3 * FRAGMENT_BYTES + 17],
			[B, A, 2]
		]);
		expect(new Uint8Array(packets[0]!.sealed).every((byte, i) => byte === (i & 0xff))).toBe(true);

		a.dispose();
		await waitFor('peer-down at b', () => b.received.some((e) => e.type === 'peer-down'));
		expect(b.received.filter((e) => e.type === 'peer-down')).toEqual([{ type: 'peer-down', session: B, peerId: A }]);
	});
});
