/** scripts/signaling.mjs with raw WebSocket clients: routing, sender stamping, refusals, left notices; and serve.mjs attaching it. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, test } from 'vitest';
import { startSignaling, type CapturedMessage, type RunningSignaling } from '../../../scripts/signaling.mjs';
import { startServer } from '../../../scripts/serve.mjs';
import { decodeDeliver, encodePublish } from '$lib/sync/mesh/relay-wire';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A raw relay client that records everything it receives. */
async function client(url: string) {
	const socket = new WebSocket(url);
	const texts: unknown[] = [];
	const delivered: { topic: string; from: string; payload: Uint8Array }[] = [];
	socket.on('message', (data, isBinary) => {
		const bytes = new Uint8Array(data as Buffer);
		if (isBinary) delivered.push(decodeDeliver(bytes)!);
		else texts.push(JSON.parse(Buffer.from(bytes).toString('utf8')));
	});
	await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
	cleanups.push(() => socket.terminate());
	const control = (message: object) => socket.send(JSON.stringify(message));
	return {
		socket,
		texts,
		delivered,
		control,
		/** Subscribes and waits for it to take effect (a pong after it means the server handled it). */
		subscribe: async (topic: string, peer: string) => {
			const before = texts.length;
			control({ type: 'subscribe', topic, peer });
			control({ type: 'ping' });
			await until(() => texts.length > before, 'the subscription');
			texts.splice(before, 1);
		},
		publish: (topic: string, to: string | null, payload: Uint8Array) => socket.send(encodePublish(topic, to, payload))
	};
}

async function relay(): Promise<{ running: RunningSignaling; captured: CapturedMessage[] }> {
	const captured: CapturedMessage[] = [];
	const running = await startSignaling({ port: 0, host: '127.0.0.1', capture: (entry) => captured.push(entry) });
	cleanups.push(() => running.close());
	return { running, captured };
}

async function until(condition: () => boolean, what: string) {
	const deadline = Date.now() + 2000;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}

describe('signaling.mjs', () => {
	test('relays payloads untouched to the topic, or to one peer, stamped with the sender', async () => {
		const { running, captured } = await relay();
		expect(running.url).toBe(`ws://127.0.0.1:${running.port}/signal`);
		const [a, b, c, outsider] = await Promise.all([client(running.url), client(running.url), client(running.url), client(running.url)]);
		await a.subscribe('room-1', 'peer-a');
		await b.subscribe('room-1', 'peer-b');
		await c.subscribe('room-1', 'peer-c');
		await outsider.subscribe('room-2', 'peer-x');
		const payload = Uint8Array.from({ length: 300 }, (_, i) => (i * 13) & 0xff);
		a.publish('room-1', null, payload);
		await until(() => b.delivered.length === 1 && c.delivered.length === 1, 'the broadcast');
		expect(b.delivered[0]).toEqual({ topic: 'room-1', from: 'peer-a', payload });
		a.publish('room-1', 'peer-c', Uint8Array.of(7));
		await until(() => c.delivered.length === 2, 'the addressed message');
		expect(c.delivered[1]).toEqual({ topic: 'room-1', from: 'peer-a', payload: Uint8Array.of(7) });
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(a.delivered).toHaveLength(0); // never echoed
		expect(b.delivered).toHaveLength(1); // not addressed to b
		expect(outsider.delivered).toHaveLength(0); // another topic
		expect(captured.map(({ topic, from, to, payload }) => ({ topic, from, to, size: payload.length }))).toEqual([
			{ topic: 'room-1', from: 'peer-a', to: null, size: 300 },
			{ topic: 'room-1', from: 'peer-a', to: 'peer-c', size: 1 }
		]);
	});

	test('answers pings, refuses bad requests in words, and tells the topic when a peer leaves', async () => {
		const { running } = await relay();
		const [a, b] = await Promise.all([client(running.url), client(running.url)]);
		a.control({ type: 'ping' });
		await until(() => a.texts.length === 1, 'pong');
		expect(a.texts[0]).toEqual({ type: 'pong' });
		a.publish('room-1', null, Uint8Array.of(1));
		a.control({ type: 'subscribe', topic: 'room-1', peer: 'bad id!' });
		a.socket.send('not json');
		a.socket.send(Uint8Array.of(9, 9, 9));
		await until(() => a.texts.length === 5, 'four errors');
		expect(a.texts.slice(1).map((t) => (t as { message: string }).message)).toEqual([
			'subscribe to room-1… before publishing to it',
			'subscribe needs a peer id of 1–64 characters [A-Za-z0-9_-]',
			'control messages are JSON objects',
			'a binary frame must be PUBLISH: u8 1, u8 n, topic, u8 m, to, payload'
		]);

		await a.subscribe('room-1', 'peer-a');
		await b.subscribe('room-1', 'peer-b');
		await new Promise((resolve) => setTimeout(resolve, 20));
		a.socket.close();
		await until(() => b.texts.length === 1, 'left');
		expect(b.texts[0]).toEqual({ type: 'left', topic: 'room-1', peer: 'peer-a' });
	});

	test('limits topics per connection, and slows a connection that publishes past its rate without dropping anything', async () => {
		const running = await startSignaling({ port: 0, host: '127.0.0.1', maxTopicsPerConnection: 2, publishRate: { bytesPerSecond: 10_000, burstBytes: 4000 } });
		cleanups.push(() => running.close());
		const [a, b] = await Promise.all([client(running.url), client(running.url)]);
		await a.subscribe('room-1', 'peer-a');
		await a.subscribe('room-2', 'peer-a');
		a.control({ type: 'subscribe', topic: 'room-3', peer: 'peer-a' });
		await until(() => a.texts.length === 1, 'the refusal');
		expect(a.texts[0]).toEqual({ type: 'error', message: 'one connection may subscribe to at most 2 topics; unsubscribe from one or open another connection' });
		// Subscribing again to a topic it has is not a new one.
		await a.subscribe('room-1', 'peer-a');
		await b.subscribe('room-1', 'peer-b');

		// 6,000 bytes against a 4,000-byte burst: both relayed, then the relay stops reading from A
		// until the 2,000-byte debt is paid at 10,000 bytes/s (~200 ms); what A sends meanwhile waits.
		const sent = Date.now();
		a.publish('room-1', null, new Uint8Array(3000));
		a.publish('room-1', null, new Uint8Array(3000));
		await until(() => b.delivered.length === 2, 'the burst');
		a.publish('room-1', null, Uint8Array.of(7));
		await until(() => b.delivered.length === 3, 'the frame after the pause');
		expect(Date.now() - sent).toBeGreaterThanOrEqual(150);
		expect(b.delivered.map((d) => d.payload.length)).toEqual([3000, 3000, 1]);
		expect(a.socket.readyState).toBe(WebSocket.OPEN);
	});

	test('serve.mjs attaches the relay on /signal by default, and not with signaling: false', async () => {
		const root = mkdtempSync(join(tmpdir(), 'cairn-signal-'));
		writeFileSync(join(root, 'index.html'), '<!doctype html>');
		cleanups.push(() => rmSync(root, { recursive: true, force: true }));
		const captured: CapturedMessage[] = [];
		const served = await startServer({ port: 0, host: '127.0.0.1', root, capture: (entry) => captured.push(entry) });
		cleanups.push(() => served.close());
		expect(served.signalingUrl).toBe(`ws://127.0.0.1:${served.port}/signal`);
		const [a, b] = await Promise.all([client(served.signalingUrl!), client(served.signalingUrl!)]);
		await a.subscribe('t', 'peer-a');
		await b.subscribe('t', 'peer-b');
		a.publish('t', null, Uint8Array.of(1, 2));
		await until(() => b.delivered.length === 1, 'delivery through serve.mjs');
		expect(captured).toHaveLength(1);
		// Other upgrade paths are refused rather than left hanging.
		const stray = new WebSocket(`ws://127.0.0.1:${served.port}/elsewhere`);
		await expect(new Promise((_, reject) => stray.once('error', reject))).rejects.toThrow(/404/);

		const plain = await startServer({ port: 0, host: '127.0.0.1', root, signaling: false });
		cleanups.push(() => plain.close());
		expect(plain.signalingUrl).toBeNull();
		const refused = new WebSocket(`ws://127.0.0.1:${plain.port}/signal`);
		await expect(new Promise((_, reject) => refused.once('error', reject))).rejects.toThrow();
		refused.terminate();
	});
});
