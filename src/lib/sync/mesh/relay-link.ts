/**
 * A WebSocket to a signaling/relay server (scripts/signaling.mjs), subscribed
 * to one topic: the room hash. It carries WebRTC signaling and is the data path
 * to peers that have no WebRTC (the always-on Node peer) or whose WebRTC
 * connection failed. The server sees the topic, random peer ids and ciphertext.
 *
 * The server being down never blocks anything (local first): the link reports
 * 'unreachable' with a sentence for the UI and keeps retrying with backoff.
 */
import type { SignalingState } from '../mesh-types';
import { MalformedFrameError } from './errors';
import { fragment, Reassembler } from './fragments';
import type { Link, LinkEvents } from './link';
import { decodeControl, decodeDeliver, encodePing, encodePublish, encodeSubscribe } from './relay-wire';

/** First retry soon (a server restart takes a second or two), then back off so a dead server costs nothing. */
export const RECONNECT_MIN_MS = 500;
export const RECONNECT_MAX_MS = 30_000;
/**
 * Proxies and NATs drop idle TCP connections after 30–60 s; a ping every 20 s
 * keeps the path open, and a connection silent for two intervals is dead.
 */
export const PING_INTERVAL_MS = 20_000;
export const DEAD_AFTER_MS = 2 * PING_INTERVAL_MS;
// Liveness is measured with Date.now, not SyncMeshOptions.now: that clock stamps
// the status for people, and tests may freeze or jump it.

/**
 * Packets go through the relay in pieces of at most 1 MiB (fragments.ts): the
 * server caps a WebSocket message (8 MiB by default) and the first sync of a
 * large workspace is one Yjs update of tens of MB. One sender's pieces arrive in
 * order (one socket in, one socket out), so they reassemble per sender.
 */
export const RELAY_PIECE_BYTES = 1024 * 1024;

type WebSocketClass = typeof globalThis.WebSocket;

export interface RelayLinkOptions {
	url: string;
	topic: string;
	peerId: string;
	WebSocket: WebSocketClass | undefined;
	events: LinkEvents;
}

export class RelayLink implements Link {
	readonly kind = 'relay' as const;
	readonly url: string;
	readonly #options: RelayLinkOptions;
	#state: SignalingState = 'off';
	#error: string | null = null;
	#socket: WebSocket | null = null;
	#running = false;
	#attempt = 0;
	#reconnectTimer: ReturnType<typeof setTimeout> | null = null;
	#pingTimer: ReturnType<typeof setInterval> | null = null;
	#lastHeard = 0;
	#reassemblers = new Map<string, Reassembler>();

	constructor(options: RelayLinkOptions) {
		this.#options = options;
		this.url = options.url;
	}

	get state(): SignalingState {
		return this.#state;
	}

	/** Why the server is unreachable, for the UI; null while fine. */
	get error(): string | null {
		return this.#error;
	}

	start(): void {
		if (this.#running) return;
		this.#running = true;
		this.#setState('connecting', null);
		this.#connect();
	}

	stop(): void {
		this.#running = false;
		if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
		this.#reconnectTimer = null;
		this.#dropSocket();
		this.#setState('off', null);
	}

	send(to: string | null, sealed: Uint8Array<ArrayBuffer>): void {
		const socket = this.#socket;
		if (!socket || socket.readyState !== socket.OPEN || this.#state !== 'connected') return;
		for (const piece of fragment(sealed, RELAY_PIECE_BYTES)) socket.send(encodePublish(this.#options.topic, to, piece));
	}

	#connect(): void {
		const WebSocketImpl = this.#options.WebSocket;
		if (!WebSocketImpl) {
			this.#setState('unreachable', `WebSocket is not available here, so the signaling server ${this.url} cannot be used; working locally`);
			return;
		}
		let socket: WebSocket;
		try {
			socket = new WebSocketImpl(this.url);
		} catch (error) {
			// A malformed URL: retrying will not help, so say so and stop.
			this.#setState('unreachable', `The signaling server URL ${this.url} is not valid (${error instanceof Error ? error.message : String(error)}); working locally`);
			return;
		}
		socket.binaryType = 'arraybuffer';
		this.#socket = socket;
		let opened = false;
		socket.onopen = () => {
			opened = true;
			this.#attempt = 0;
			this.#lastHeard = Date.now();
			socket.send(encodeSubscribe(this.#options.topic, this.#options.peerId));
			this.#pingTimer = setInterval(() => this.#ping(), PING_INTERVAL_MS);
			this.#setState('connected', null);
			// Publishes after the subscribe are processed after it, so the hello reaches the room.
			this.#options.events.announce(this, true);
		};
		socket.onmessage = (event: MessageEvent) => this.#receive(event.data);
		socket.onerror = () => {
			// The close event follows and handles it; without a listener some runtimes log the error.
		};
		socket.onclose = () => {
			if (this.#socket !== socket) return;
			this.#lost(opened);
		};
	}

	#receive(data: unknown): void {
		this.#lastHeard = Date.now();
		if (typeof data === 'string') {
			const control = decodeControl(data);
			if (control?.type === 'left' && control.topic === this.#options.topic) {
				this.#reassemblers.delete(control.peer);
				this.#options.events.peerDown(this, control.peer);
			}
			return;
		}
		const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
		if (!bytes) return;
		const deliver = decodeDeliver(bytes);
		if (!deliver || deliver.topic !== this.#options.topic || deliver.from === this.#options.peerId) return;
		let reassembler = this.#reassemblers.get(deliver.from);
		if (!reassembler) this.#reassemblers.set(deliver.from, (reassembler = new Reassembler()));
		let packet: Uint8Array<ArrayBuffer> | null;
		try {
			packet = reassembler.push(deliver.payload);
		} catch (error) {
			this.#options.events.misbehaved(deliver.from, `sent a broken relay fragment (${error instanceof MalformedFrameError ? error.reason : String(error)})`);
			return;
		}
		if (packet) this.#options.events.packet(this, deliver.from, packet);
	}

	#ping(): void {
		const socket = this.#socket;
		if (!socket) return;
		if (Date.now() - this.#lastHeard > DEAD_AFTER_MS) {
			// A half-open TCP connection can take minutes to report itself closed; do not wait for it.
			this.#lost(true);
			return;
		}
		if (socket.readyState === socket.OPEN) socket.send(encodePing());
	}

	/** The socket closed or went silent: every peer behind it is gone until we reconnect. */
	#lost(wasOpen: boolean): void {
		this.#dropSocket();
		if (wasOpen) this.#options.events.peerDown(this, null);
		if (!this.#running) return;
		if (wasOpen) this.#setState('connecting', null);
		else this.#setState('unreachable', `Cannot reach the signaling server ${this.url}; working locally, will retry`);
		const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** this.#attempt);
		this.#attempt++;
		// Jitter so that every peer of a restarted server does not reconnect in the same instant.
		this.#reconnectTimer = setTimeout(() => {
			this.#reconnectTimer = null;
			if (this.#running) this.#connect();
		}, delay * (0.75 + Math.random() * 0.5));
	}

	#dropSocket(): void {
		// A message cut off by the lost connection is gone; the sync protocol resends what matters.
		this.#reassemblers.clear();
		if (this.#pingTimer) clearInterval(this.#pingTimer);
		this.#pingTimer = null;
		const socket = this.#socket;
		this.#socket = null;
		if (!socket) return;
		socket.onopen = null;
		socket.onmessage = null;
		socket.onclose = null;
		// Keep a no-op error listener: closing a still-connecting socket fires 'error' in some runtimes.
		socket.onerror = () => {};
		try {
			socket.close();
		} catch {
			// already closed
		}
	}

	#setState(state: SignalingState, error: string | null): void {
		if (this.#state === state && this.#error === error) return;
		this.#state = state;
		this.#error = error;
		this.#options.events.changed();
	}
}
