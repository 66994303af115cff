/**
 * A simulated network between Yjs documents for merge tests, after Yjs's own
 * TestConnector (tests/testHelper.js, `applyRandomTests`): every local update
 * goes into a queue per directed link; a seeded scheduler delivers a random
 * queued message (not the oldest: out of order), sometimes delivers one twice,
 * and takes peers offline and back. While a link is down its messages are
 * dropped; when it comes back the two peers exchange
 * `encodeStateAsUpdate(doc, encodeStateVector(other))` both ways — the reply of
 * y-protocols' sync step 1/2 — so nothing dropped is missed for good.
 *
 * Received updates are applied with NETWORK_ORIGIN and never forwarded (as in
 * y-webrtc), so convergence relies on the full mesh and the reconnect sync.
 */
import * as Y from 'yjs';
import type { Random } from '$lib/core/ml/prng';

/** Origin of every update this network applies; the network skips them when listening. */
export const NETWORK_ORIGIN = Symbol('test:network');

export interface SimNetworkOptions {
	/** Decides which message goes next, duplicates and nothing else: the network adds no randomness of its own. */
	rand: Random;
	/** Share of deliveries that leave a copy queued, so the same update arrives twice. */
	duplicateRate?: number;
	/**
	 * Runs after each delivered message, before the next: the chunk exchange
	 * that follows a document update (the receiver fetching bytes it now names).
	 */
	afterDelivery?: (from: number, to: number) => Promise<void>;
}

export interface SimNetworkStats {
	sent: number;
	delivered: number;
	duplicated: number;
	dropped: number;
	reconnects: number;
}

export class SimNetwork {
	readonly stats: SimNetworkStats = { sent: 0, delivered: 0, duplicated: 0, dropped: 0, reconnects: 0 };
	readonly #docs: Y.Doc[];
	readonly #online: boolean[];
	/** #queues[from][to]: updates in flight on that link. */
	readonly #queues: Uint8Array[][][];
	/** Per peer: stops listening to its document. */
	readonly #off: (() => void)[];

	constructor(
		docs: readonly Y.Doc[],
		private readonly options: SimNetworkOptions
	) {
		this.#docs = [...docs];
		this.#online = docs.map(() => true);
		this.#queues = docs.map(() => docs.map(() => []));
		this.#off = docs.map((doc, peer) => this.#listen(peer, doc));
		// Peers that already hold state (loaded, initialised) start with a sync, as on a first connection.
		for (let a = 0; a < docs.length; a++) for (let b = a + 1; b < docs.length; b++) this.#syncPair(a, b);
	}

	get docs(): readonly Y.Doc[] {
		return this.#docs;
	}

	/** A peer restarted with a new document (loaded from its storage): offline, then back with it. */
	replaceDoc(peer: number, doc: Y.Doc): void {
		this.disconnect(peer);
		this.#off[peer]?.();
		this.#docs[peer] = doc;
		this.#off[peer] = this.#listen(peer, doc);
		this.reconnect(peer);
	}

	isOnline(peer: number): boolean {
		return this.#online[peer] as boolean;
	}

	linkUp(from: number, to: number): boolean {
		return from !== to && this.isOnline(from) && this.isOnline(to);
	}

	/** Messages queued on all links. */
	get pending(): number {
		let n = 0;
		for (const row of this.#queues) for (const q of row) n += q.length;
		return n;
	}

	/** Delivers one random queued message (if any); resolves to whether one was delivered. */
	async deliverOne(): Promise<boolean> {
		const total = this.pending;
		if (total === 0) return false;
		let pick = Math.floor(this.options.rand() * total);
		for (let from = 0; from < this.#docs.length; from++) {
			for (let to = 0; to < this.#docs.length; to++) {
				const queue = this.#queues[from]![to]!;
				if (pick >= queue.length) {
					pick -= queue.length;
					continue;
				}
				const update = queue[pick]!;
				if (this.options.rand() < (this.options.duplicateRate ?? 0)) this.stats.duplicated++;
				else queue.splice(pick, 1);
				Y.applyUpdate(this.#docs[to]!, update, NETWORK_ORIGIN);
				this.stats.delivered++;
				await this.options.afterDelivery?.(from, to);
				return true;
			}
		}
		return false;
	}

	/** Takes a peer offline: every link to and from it drops what it carries. */
	disconnect(peer: number): void {
		if (!this.isOnline(peer)) return;
		this.#online[peer] = false;
		for (let other = 0; other < this.#docs.length; other++) {
			for (const q of [this.#queues[peer]![other]!, this.#queues[other]![peer]!]) {
				this.stats.dropped += q.length;
				q.length = 0;
			}
		}
	}

	/** Brings a peer back: it and every online peer queue each other what the other lacks. */
	reconnect(peer: number): void {
		if (this.isOnline(peer)) return;
		this.#online[peer] = true;
		this.stats.reconnects++;
		for (let other = 0; other < this.#docs.length; other++) if (this.linkUp(peer, other)) this.#syncPair(peer, other);
	}

	/** Everyone online, every message delivered (in random order): the replicas must now agree. */
	async settle(): Promise<void> {
		for (let peer = 0; peer < this.#docs.length; peer++) this.reconnect(peer);
		while (await this.deliverOne());
	}

	destroy(): void {
		for (const off of this.#off.splice(0)) off();
	}

	#listen(from: number, doc: Y.Doc): () => void {
		const onUpdate = (update: Uint8Array, origin: unknown) => {
			if (origin === NETWORK_ORIGIN) return;
			for (let to = 0; to < this.#docs.length; to++) if (this.linkUp(from, to)) this.#send(from, to, update);
		};
		doc.on('update', onUpdate);
		return () => doc.off('update', onUpdate);
	}

	/** Sync step 2 both ways, queued like any other message. */
	#syncPair(a: number, b: number): void {
		const [docA, docB] = [this.#docs[a]!, this.#docs[b]!];
		this.#send(a, b, Y.encodeStateAsUpdate(docA, Y.encodeStateVector(docB)));
		this.#send(b, a, Y.encodeStateAsUpdate(docB, Y.encodeStateVector(docA)));
	}

	#send(from: number, to: number, update: Uint8Array): void {
		this.#queues[from]![to]!.push(update);
		this.stats.sent++;
	}
}

/** Immediate full sync of two documents both ways (for hand-written, step-by-step merge tests). */
export function syncDocs(a: Y.Doc, b: Y.Doc): void {
	const toB = Y.encodeStateAsUpdate(a, Y.encodeStateVector(b));
	const toA = Y.encodeStateAsUpdate(b, Y.encodeStateVector(a));
	Y.applyUpdate(b, toB, NETWORK_ORIGIN);
	Y.applyUpdate(a, toA, NETWORK_ORIGIN);
}
