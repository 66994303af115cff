// @ts-check
/**
 * Signaling and relay server for the sync mesh (src/lib/sync/mesh/): a small
 * pub/sub over WebSocket. Peers subscribe to a topic (the room hash) under a
 * random peer id and publish opaque payloads to everyone else in the topic or
 * to one peer. Payloads are the clients' AES-GCM ciphertext; this server never
 * holds a key and forwards payload bytes untouched. All it learns is topics
 * (room hashes), random peer ids, sizes and timing.
 *
 *   node scripts/signaling.mjs [--port N] [--host H]     (default 127.0.0.1:4444, path /signal)
 *
 * scripts/serve.mjs attaches it to the app's own HTTP server, so the browser's
 * default signaling URL is ws(s)://<location.host>/signal.
 *
 * Wire format (src/lib/sync/mesh/relay-wire.ts is the client side; keep in step):
 *
 * Control messages are JSON text frames.
 *   client → server  {"type":"subscribe","topic":T,"peer":P}   join topic T as peer P
 *                    {"type":"unsubscribe","topic":T}
 *                    {"type":"ping"}                            answered with {"type":"pong"}
 *   server → client  {"type":"pong"}
 *                    {"type":"left","topic":T,"peer":P}         P's last connection left T
 *                    {"type":"error","message":M}               the request was refused, and why
 *
 * Data travels in binary frames.
 *   client → server  PUBLISH  u8 1 | u8 n | topic (n bytes) | u8 m | to (m bytes; m = 0: everyone else) | payload…
 *   server → client  DELIVER  u8 2 | u8 n | topic (n bytes) | u8 m | from (m bytes)                         | payload…
 * Topics and peer ids are printable ASCII. A client may publish only to topics
 * it subscribed to, and `from` is the peer id it subscribed with (clients
 * cannot claim to be someone else at this level; the mesh also checks the
 * sender sealed inside the ciphertext).
 *
 * Limits: frames up to `maxPayload`; `maxTopicsPerConnection` topics per
 * connection; publishing at most `publishRate` per connection (past it the
 * relay reads from that connection only as fast as the rate); a subscriber
 * that stops reading is dropped once MAX_BUFFERED_BYTES wait for it.
 */
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { closeServer, listen } from './listen.mjs';

export const DEFAULT_SIGNALING_PATH = '/signal';
export const DEFAULT_SIGNALING_PORT = 4444;
/** A 4 MiB artifact chunk plus framing and encryption overhead fits with room to spare. */
export const DEFAULT_MAX_PAYLOAD = 8 * 1024 * 1024;
/** Sockets that do not answer a WebSocket ping within this interval are dead (half-open TCP); drop them. */
const HEARTBEAT_MS = 30_000;
/**
 * A subscriber that falls this far behind (its socket buffer holds this many
 * unsent bytes) is disconnected rather than buffered without bound; its client
 * reconnects and resyncs.
 */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/** A client is one device in a few workspaces; more topics than this on one connection is a misbehaving one. */
export const DEFAULT_MAX_TOPICS_PER_CONNECTION = 32;
/**
 * What one connection may publish: a token bucket of `burstBytes` refilled at
 * `bytesPerSecond`. A newcomer's whole first sync (tens of MB) fits in the
 * burst; past it the relay stops reading from that connection until the
 * budget refills (TCP pushes back on the sender), so one client cannot flood
 * every room. Nothing is dropped: a large artifact fetched through the relay
 * is only slowed to the rate.
 */
export const DEFAULT_PUBLISH_RATE = { bytesPerSecond: 64 * 1024 * 1024, burstBytes: 256 * 1024 * 1024 };
const PUBLISH = 1;
const DELIVER = 2;
const TOPIC_PATTERN = /^[\x21-\x7e]{1,255}$/;
const PEER_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * @typedef {object} CapturedMessage what the server relayed (tests use it to prove no plaintext passes)
 * @property {string} topic
 * @property {string} from
 * @property {string | null} to null: every other subscriber
 * @property {Uint8Array} payload the client's bytes, exactly as forwarded
 */

/**
 * @typedef {object} SignalingOptions
 * @property {string} [path] URL path answered with WebSocket upgrades (default /signal)
 * @property {(entry: CapturedMessage) => void} [capture] called with every relayed message
 * @property {number} [maxPayload] largest accepted frame in bytes (default 8 MiB)
 * @property {number} [maxTopicsPerConnection] topics one connection may subscribe to (default 32)
 * @property {{ bytesPerSecond: number, burstBytes: number }} [publishRate] what one connection may publish (DEFAULT_PUBLISH_RATE)
 */

/**
 * @typedef {object} AttachedSignaling
 * @property {string} path
 * @property {() => Promise<void>} close disconnects every client and detaches from the HTTP server
 * @property {() => { connections: number, topics: number }} stats
 */

/**
 * @typedef {object} RunningSignaling
 * @property {string} url e.g. ws://127.0.0.1:4444/signal
 * @property {number} port the port actually bound
 * @property {import('node:http').Server} server
 * @property {() => Promise<void>} close
 */

/**
 * Serves the relay on `httpServer`'s 'upgrade' requests for `path`.
 * @param {import('node:http').Server} httpServer
 * @param {SignalingOptions} [options]
 * @returns {AttachedSignaling}
 */
export function attachSignaling(
	httpServer,
	{ path = DEFAULT_SIGNALING_PATH, capture, maxPayload = DEFAULT_MAX_PAYLOAD, maxTopicsPerConnection = DEFAULT_MAX_TOPICS_PER_CONNECTION, publishRate = DEFAULT_PUBLISH_RATE } = {},
) {
	const wss = new WebSocketServer({ noServer: true, maxPayload });
	/** @type {Map<string, Map<import('ws').WebSocket, string>>} topic → subscriber socket → its peer id */
	const topics = new Map();
	/** @type {Map<import('ws').WebSocket, Map<string, string>>} socket → topic → peer id */
	const subscriptions = new Map();
	/** @type {WeakSet<import('ws').WebSocket>} sockets that answered the last heartbeat */
	const alive = new WeakSet();
	/** @type {WeakMap<import('ws').WebSocket, { tokens: number, at: number, paused: boolean }>} each socket's publish budget */
	const budgets = new WeakMap();

	/**
	 * Takes `bytes` from the socket's budget; in debt, stops reading from it until the debt is paid.
	 * @param {import('ws').WebSocket} socket @param {number} bytes
	 */
	const spend = (socket, bytes) => {
		const now = Date.now();
		const budget = budgets.get(socket) ?? { tokens: publishRate.burstBytes, at: now, paused: false };
		budget.tokens = Math.min(publishRate.burstBytes, budget.tokens + ((now - budget.at) / 1000) * publishRate.bytesPerSecond);
		budget.at = now;
		budget.tokens -= bytes;
		budgets.set(socket, budget);
		if (budget.tokens >= 0 || budget.paused) return;
		budget.paused = true;
		socket.pause();
		setTimeout(() => {
			budget.paused = false;
			socket.resume();
		}, Math.ceil((-budget.tokens / publishRate.bytesPerSecond) * 1000)).unref();
	};

	/** @param {import('ws').WebSocket} socket @param {object} message */
	const sendControl = (socket, message) => {
		if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
	};

	/**
	 * Removes `socket` from `topic`; tells the others when the peer id has no connection left there.
	 * @param {import('ws').WebSocket} socket @param {string} topic @param {boolean} announce
	 */
	const unsubscribe = (socket, topic, announce) => {
		const members = topics.get(topic);
		const peer = members?.get(socket);
		if (!members || peer === undefined) return;
		members.delete(socket);
		subscriptions.get(socket)?.delete(topic);
		if (members.size === 0) {
			topics.delete(topic);
			return;
		}
		if (announce && ![...members.values()].includes(peer)) {
			for (const other of members.keys()) sendControl(other, { type: 'left', topic, peer });
		}
	};

	/** @param {import('ws').WebSocket} socket @param {string} text */
	const onControl = (socket, text) => {
		/** @type {any} */
		let message;
		try {
			message = JSON.parse(text);
		} catch {
			sendControl(socket, { type: 'error', message: 'control messages are JSON objects' });
			return;
		}
		const type = message?.type;
		if (type === 'ping') {
			sendControl(socket, { type: 'pong' });
		} else if (type === 'subscribe') {
			const { topic, peer } = message;
			if (typeof topic !== 'string' || !TOPIC_PATTERN.test(topic)) {
				sendControl(socket, { type: 'error', message: 'subscribe needs a topic of 1–255 printable ASCII characters' });
				return;
			}
			if (typeof peer !== 'string' || !PEER_PATTERN.test(peer)) {
				sendControl(socket, { type: 'error', message: 'subscribe needs a peer id of 1–64 characters [A-Za-z0-9_-]' });
				return;
			}
			const mine = subscriptions.get(socket);
			if (mine && !mine.has(topic) && mine.size >= maxTopicsPerConnection) {
				sendControl(socket, { type: 'error', message: `one connection may subscribe to at most ${maxTopicsPerConnection} topics; unsubscribe from one or open another connection` });
				return;
			}
			let members = topics.get(topic);
			if (!members) topics.set(topic, (members = new Map()));
			// The same peer reconnecting before its old socket timed out: the new socket replaces it, silently.
			for (const [other, otherPeer] of members) {
				if (other !== socket && otherPeer === peer) {
					unsubscribe(other, topic, false);
					other.terminate();
				}
			}
			members.set(socket, peer);
			subscriptions.get(socket)?.set(topic, peer);
		} else if (type === 'unsubscribe') {
			if (typeof message.topic === 'string') unsubscribe(socket, message.topic, true);
		} else {
			sendControl(socket, { type: 'error', message: `unknown control message type ${JSON.stringify(type)}` });
		}
	};

	/** @param {import('ws').WebSocket} socket @param {Buffer} frame */
	const onPublish = (socket, frame) => {
		const parsed = parsePublish(frame);
		if (!parsed) {
			sendControl(socket, { type: 'error', message: 'a binary frame must be PUBLISH: u8 1, u8 n, topic, u8 m, to, payload' });
			return;
		}
		const { topic, to, payload } = parsed;
		const from = subscriptions.get(socket)?.get(topic);
		if (from === undefined) {
			sendControl(socket, { type: 'error', message: `subscribe to ${topic.slice(0, 16)}… before publishing to it` });
			return;
		}
		const members = topics.get(topic);
		if (!members) return;
		spend(socket, frame.length);
		capture?.({ topic, from, to, payload: new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength) });
		const header = Buffer.alloc(3 + topic.length + from.length);
		let at = 0;
		header[at++] = DELIVER;
		header[at++] = topic.length;
		at += header.write(topic, at, 'latin1');
		header[at++] = from.length;
		header.write(from, at, 'latin1');
		const deliver = Buffer.concat([header, payload]);
		for (const [member, peer] of members) {
			if (member === socket || (to !== null && peer !== to)) continue;
			if (member.readyState !== member.OPEN) continue;
			if (member.bufferedAmount > MAX_BUFFERED_BYTES) {
				member.terminate();
				continue;
			}
			member.send(deliver, { binary: true });
		}
	};

	wss.on('connection', (socket) => {
		subscriptions.set(socket, new Map());
		alive.add(socket);
		socket.on('pong', () => alive.add(socket));
		socket.on('message', (data, isBinary) => {
			const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
			if (isBinary) onPublish(socket, bytes);
			else onControl(socket, bytes.toString('utf8'));
		});
		socket.on('close', () => {
			for (const topic of [...(subscriptions.get(socket)?.keys() ?? [])]) unsubscribe(socket, topic, true);
			subscriptions.delete(socket);
		});
		// Oversized frames and protocol errors close the socket; the 'close' handler cleans up.
		socket.on('error', () => {});
	});

	const heartbeat = setInterval(() => {
		for (const socket of wss.clients) {
			if (!alive.has(socket)) {
				socket.terminate();
				continue;
			}
			alive.delete(socket);
			socket.ping();
		}
	}, HEARTBEAT_MS);
	heartbeat.unref();

	/** @type {(request: import('node:http').IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => void} */
	const onUpgrade = (request, socket, head) => {
		let pathname;
		try {
			pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
		} catch {
			pathname = '';
		}
		if (pathname !== path) {
			// Another upgrade handler may want it; if we are the only one, refuse instead of leaving it hanging.
			if (httpServer.listenerCount('upgrade') === 1) {
				socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
			}
			return;
		}
		wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
	};
	httpServer.on('upgrade', onUpgrade);

	return {
		path,
		stats: () => ({ connections: wss.clients.size, topics: topics.size }),
		close: () =>
			new Promise((resolveClose) => {
				clearInterval(heartbeat);
				httpServer.off('upgrade', onUpgrade);
				for (const socket of wss.clients) socket.terminate();
				wss.close(() => resolveClose());
			}),
	};
}

/**
 * @param {Buffer} frame
 * @returns {{ topic: string, to: string | null, payload: Buffer } | null}
 */
function parsePublish(frame) {
	if (frame.length < 3 || frame[0] !== PUBLISH) return null;
	let at = 1;
	const topicLength = frame[at++] ?? 0;
	if (at + topicLength + 1 > frame.length) return null;
	const topic = frame.toString('latin1', at, at + topicLength);
	at += topicLength;
	const toLength = frame[at++] ?? 0;
	if (at + toLength > frame.length) return null;
	const to = frame.toString('latin1', at, at + toLength);
	at += toLength;
	if (!TOPIC_PATTERN.test(topic) || (to !== '' && !PEER_PATTERN.test(to))) return null;
	return { topic, to: to === '' ? null : to, payload: frame.subarray(at) };
}

/**
 * A standalone signaling server (no static files) that resolves once listening.
 * @param {SignalingOptions & { port?: number, host?: string }} [options]
 * @returns {Promise<RunningSignaling>}
 */
export async function startSignaling({ port = DEFAULT_SIGNALING_PORT, host = '127.0.0.1', ...options } = {}) {
	const server = createServer((_request, response) => {
		response.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' }).end('Cairn signaling server: connect with a WebSocket.\n');
	});
	const signaling = attachSignaling(server, options);
	const { port: boundPort, urlHost } = await listen(server, port, host);
	return {
		url: `ws://${urlHost}:${boundPort}${signaling.path}`,
		port: boundPort,
		server,
		close: async () => {
			await signaling.close();
			await closeServer(server);
		},
	};
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const args = process.argv.slice(2);
	/** @param {string} name */
	const option = (name) => {
		const index = args.findIndex((arg) => arg === name || arg.startsWith(`${name}=`));
		if (index < 0) return undefined;
		const arg = args[index] ?? '';
		return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[index + 1];
	};
	const port = Number(option('--port') ?? process.env.PORT ?? DEFAULT_SIGNALING_PORT);
	const host = option('--host') ?? process.env.HOST ?? '127.0.0.1';
	if (!Number.isInteger(port) || port < 0 || port > 65535) {
		console.error(`invalid port ${port}: expected an integer 0..65535`);
		process.exit(1);
	}
	try {
		const running = await startSignaling({ port, host });
		console.log(`Cairn signaling server at ${running.url}`);
		const stop = () => running.close().then(() => process.exit(0));
		process.once('SIGINT', stop);
		process.once('SIGTERM', stop);
	} catch (error) {
		console.error(error instanceof Error ? error.message : error);
		process.exit(1);
	}
}
