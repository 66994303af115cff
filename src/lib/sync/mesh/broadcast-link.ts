/**
 * Tabs of one browser (and workers of one origin) reach each other through a
 * BroadcastChannel named after the room hash. Every tab of the room hears every
 * message, so each carries a clear envelope {from, to, data}; `data` is the
 * sealed packet, as on every other link.
 *
 * A BroadcastChannel never says that a tab went away. Tabs say "bye" when the
 * mesh stops; for tabs that crash or are killed, peers announce themselves
 * every KEEPALIVE_MS and are dropped after PEER_TIMEOUT_MS of silence.
 */
import type { Link, LinkEvents } from './link';
import { isPeerId } from './protocol';

/**
 * Background tabs run timers at most once a minute (Chrome's intensive
 * throttling), so the timeout must outlast a minute of silence from a live tab.
 */
export const KEEPALIVE_MS = 20_000;
export const PEER_TIMEOUT_MS = 90_000;
// Measured with Date.now, not SyncMeshOptions.now (a clock tests may freeze or jump).

export interface BroadcastEnvelope {
	from: string;
	/** null: every tab. */
	to: string | null;
	data: Uint8Array<ArrayBuffer>;
}

export function broadcastChannelName(roomHash: string): string {
	return `cairn-mesh:${roomHash}`;
}

export interface BroadcastLinkOptions {
	roomHash: string;
	peerId: string;
	BroadcastChannel: typeof globalThis.BroadcastChannel;
	events: LinkEvents;
}

export class BroadcastLink implements Link {
	readonly kind = 'broadcast' as const;
	readonly #options: BroadcastLinkOptions;
	#channel: BroadcastChannel | null = null;
	#timer: ReturnType<typeof setInterval> | null = null;
	readonly #lastSeen = new Map<string, number>();

	constructor(options: BroadcastLinkOptions) {
		this.#options = options;
	}

	start(): void {
		if (this.#channel) return;
		const channel = new this.#options.BroadcastChannel(broadcastChannelName(this.#options.roomHash));
		channel.onmessage = (event: MessageEvent) => this.#receive(event.data);
		this.#channel = channel;
		this.#timer = setInterval(() => this.#keepalive(), KEEPALIVE_MS);
		this.#options.events.announce(this, true);
	}

	stop(): void {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = null;
		this.#channel?.close();
		this.#channel = null;
		this.#lastSeen.clear();
	}

	send(to: string | null, sealed: Uint8Array<ArrayBuffer>): void {
		const envelope: BroadcastEnvelope = { from: this.#options.peerId, to, data: sealed };
		this.#channel?.postMessage(envelope);
	}

	#receive(message: unknown): void {
		// Any script of this origin can post here: check the envelope before using it.
		if (typeof message !== 'object' || message === null) return;
		const { from, to, data } = message as Partial<BroadcastEnvelope>;
		if (!isPeerId(from) || from === this.#options.peerId) return;
		if (to !== null && to !== this.#options.peerId) return;
		if (!(data instanceof Uint8Array)) return;
		this.#lastSeen.set(from, Date.now());
		this.#options.events.packet(this, from, new Uint8Array(data));
	}

	#keepalive(): void {
		const cutoff = Date.now() - PEER_TIMEOUT_MS;
		for (const [peerId, seen] of this.#lastSeen) {
			if (seen < cutoff) {
				this.#lastSeen.delete(peerId);
				this.#options.events.peerDown(this, peerId);
			}
		}
		this.#options.events.announce(this, false);
	}
}
