/**
 * The sync mesh: keeps one Y.Doc and its Awareness in step with every peer of a
 * room, and moves content-addressed chunks between them.
 *
 * Why not y-webrtc's provider: its data-channel messages are not encrypted with
 * the room key, it has no place for chunk exchange, and it cannot run in Node
 * (the always-on peer). This speaks the same y-protocols (sync step 1/2,
 * updates, awareness) as y-webrtc does internally, over three kinds of link:
 *
 *   webrtc     browser to browser, signaled through the relay   (best)
 *   broadcast  tabs of one browser, BroadcastChannel
 *   relay      WebSocket through scripts/signaling.mjs         (always possible)
 *
 * and sends each frame to a peer over its best open link. Every packet is
 * sealed with the room key (AES-GCM, fresh IV) before any link sees it, on
 * every link, so the relay server learns only the room hash, random peer ids
 * and ciphertext. Frames are checked when they arrive (protocol.ts); one that
 * does not decrypt, parse, apply or hash right is dropped and its sender shown
 * in SyncStatus.badPeers (ARCHITECTURE.md principles 5 and 7).
 *
 * Discovery: on every link that comes up the mesh says hello (asking for a
 * hello back); any authenticated packet from an unknown peer makes it a peer.
 * A new peer gets sync step 1 and our awareness; it answers with step 2. After
 * local or remote changes each side reports its state vector; a peer whose last
 * report equals our own state vector is in sync.
 */
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import { InvalidFieldError } from '$lib/core/errors';
import { decrypt, DecryptionError, encrypt } from '../encryption';
import type { BadPeerReport, ChunkKind, ChunkStore, FetchChunkOptions, SignalingState, SyncMeshOptions, SyncStatus } from '../mesh-types';
import { BroadcastLink } from './broadcast-link';
import { ChunkFetcher } from './chunk-fetcher';
import { MalformedFrameError } from './errors';
import type { Link, LinkEvents } from './link';
import { peerOriginOf } from '../origins';
import { decodePacket, encodePacket, MAX_CHUNK_BYTES, sameStateVector, type Frame, type SignalMessage } from './protocol';
import { RelayLink } from './relay-link';
import { RemotePeer } from './remote-peer';
import { SerialQueue, settle, type Settled } from './serial-queue';
import { readSyncMessage, syncStep1V2, syncUpdate } from './sync-messages';
import { WebRtcLink, type WebRtcTransport } from './webrtc-link';

export { ChunkUnavailableError } from './errors';

/**
 * State vectors are reported at most every 200 ms: often enough that
 * docsInSync turns true promptly, rarely enough that a burst of edits (a run
 * logging metrics) costs one report, not one per keystroke.
 */
export const STATE_VECTOR_INTERVAL_MS = 200;
/** Enough history to see a pattern in the UI without growing without bound. */
export const MAX_BAD_PEER_REPORTS = 20;
/** stop() waits this long at most for "bye" to leave, so closing a tab is never held up. */
export const BYE_GRACE_MS = 500;
/** Far more peers than a team room holds; only a flood of invented ids reaches it. */
const MAX_NUDGED_PEERS = 1000;
/** 128 random bits: peer ids only need to be unique per room and session. */
const PEER_ID_BYTES = 16;
const HASH_PATTERN = /^[0-9a-f]{64}$/;

type Phase = 'new' | 'running' | 'stopping' | 'stopped';
type AwarenessChanges = { added: number[]; updated: number[]; removed: number[] };

export class SyncMesh {
	readonly peerId: string;
	readonly #doc: Y.Doc;
	readonly #awareness: awarenessProtocol.Awareness;
	readonly #key: CryptoKey;
	readonly #chunks: ChunkStore;
	readonly #now: () => number;
	readonly #encodeState: SyncMeshOptions['encodeStateAsUpdate'] | null;
	readonly #links: Link[] = [];
	readonly #relays: RelayLink[] = [];
	readonly #webrtc: WebRtcTransport | null = null;
	readonly #peers = new Map<string, RemotePeer>();
	/** Per link and sender: decryption runs in parallel, delivery in arrival order. */
	readonly #inbound = new Map<Link, Map<string, SerialQueue>>();
	/** Per link: frames sent on a particular link (hellos, signals) rather than to a peer's best link. */
	readonly #linkQueues = new Map<Link, SerialQueue>();
	readonly #fetcher: ChunkFetcher;
	readonly #listeners = new Set<(status: SyncStatus) => void>();
	/** Peers already answered after a decryption failure (see #nudge). */
	readonly #nudged = new Set<string>();
	#badPeers: BadPeerReport[] = [];
	#lastSyncAt: number | null = null;
	#localStateVector: Map<number, number> | null = null;
	#stateVectorTimer: ReturnType<typeof setTimeout> | null = null;
	#statusQueued = false;
	#lastStatusKey = '';
	#phase: Phase = 'new';
	#stopping: Promise<void> | null = null;

	constructor(options: SyncMeshOptions) {
		if (!/^[\x21-\x7e]{1,255}$/.test(options.roomHash)) throw new InvalidFieldError('roomHash', 'expected roomHash(roomId) from share-link.ts (printable ASCII)');
		if (!Array.isArray(options.signalingUrls)) throw new InvalidFieldError('signalingUrls', 'expected an array of ws:// or wss:// URLs (empty for none)');
		this.peerId = randomPeerId();
		this.#doc = options.doc;
		this.#awareness = options.awareness;
		this.#key = options.key;
		this.#chunks = options.chunks;
		this.#now = options.now ?? Date.now;
		this.#encodeState = options.encodeStateAsUpdate ?? null;
		const random = options.random ?? Math.random;

		const BroadcastChannelImpl = options.BroadcastChannel ?? globalThis.BroadcastChannel;
		if ((options.broadcast ?? true) && BroadcastChannelImpl) {
			this.#links.push(new BroadcastLink({ roomHash: options.roomHash, peerId: this.peerId, BroadcastChannel: BroadcastChannelImpl, events: this.#events }));
		}
		for (const url of options.signalingUrls) {
			const relay = new RelayLink({ url, topic: options.roomHash, peerId: this.peerId, WebSocket: options.WebSocket ?? globalThis.WebSocket, events: this.#events });
			this.#relays.push(relay);
			this.#links.push(relay);
		}
		const RTCPeerConnectionImpl = options.RTCPeerConnection ?? globalThis.RTCPeerConnection;
		// WebRTC needs the relay for signaling; without one there is no way to reach a peer's browser.
		if ((options.webrtc ?? true) && this.#relays.length > 0) {
			const transport = {
				peerId: this.peerId,
				events: this.#events,
				sendSignal: (to: string, signal: SignalMessage) => {
					const relay = this.#peers.get(to)?.linkOf('relay');
					if (relay) this.#sendOn(relay, to, { type: 'signal', signal });
				}
			};
			if (options.webrtcTransport) this.#webrtc = options.webrtcTransport(transport);
			else if (RTCPeerConnectionImpl) this.#webrtc = new WebRtcLink({ ...transport, iceServers: options.iceServers ?? [], RTCPeerConnection: RTCPeerConnectionImpl });
			if (this.#webrtc) this.#links.push(this.#webrtc);
		}

		this.#fetcher = new ChunkFetcher({
			store: this.#chunks,
			peers: () => [...this.#peers.keys()],
			request: (peerId, reqId, hash, kind) => {
				const peer = this.#peers.get(peerId);
				if (peer) this.#sendTo(peer, { type: 'chunk-want', reqId, hash, kind });
			},
			reportBadPeer: (peerId, reason) => this.#reportBadPeer(peerId, reason),
			changed: () => this.#queueStatus(),
			random
		});
	}

	/** Opens the links and starts syncing. A stopped mesh does not start again: make a new one. */
	start(): void {
		if (this.#phase !== 'new') return;
		this.#phase = 'running';
		this.#doc.on('update', this.#onDocUpdate);
		this.#awareness.on('update', this.#onAwarenessUpdate);
		for (const link of this.#links) link.start();
		this.#queueStatus();
	}

	/**
	 * Says bye to every peer (so they drop our awareness at once), closes every
	 * link, removes the peers' awareness states and every doc/awareness listener,
	 * and rejects pending chunk fetches with ChunkUnavailableError.
	 */
	stop(): Promise<void> {
		if (this.#stopping) return this.#stopping;
		this.#stopping = this.#stop();
		return this.#stopping;
	}

	get status(): SyncStatus {
		const signaling = this.#signaling();
		const local = this.#currentStateVector();
		const peers = [...this.#peers.values()]
			.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
			.map((peer) => ({
				peerId: peer.id,
				links: peer.linkKinds(),
				inSync: peer.gotStep2 && peer.stateVector !== null && sameStateVector(peer.stateVector, local)
			}));
		return {
			peers,
			signaling: signaling.state,
			signalingError: signaling.error,
			docsInSync: peers.every((peer) => peer.inSync),
			chunksPending: this.#fetcher.pending,
			lastSyncAt: this.#lastSyncAt,
			badPeers: this.#badPeers.map((report) => ({ ...report }))
		};
	}

	/** Called (asynchronously, coalesced per tick) whenever the status changes; returns the unsubscribe. Read `status` for the current value. */
	onStatus(callback: (status: SyncStatus) => void): () => void {
		this.#listeners.add(callback);
		return () => this.#listeners.delete(callback);
	}

	/**
	 * The chunk's bytes, verified against `hash`, fetched from peers and written
	 * with chunks.put (or read from chunks.get if already here). Waits while no
	 * peer has it; rejects with ChunkUnavailableError on abort, cancelFetch or stop.
	 */
	fetchChunk(hash: string, kind: ChunkKind, options: FetchChunkOptions = {}): Promise<Uint8Array> {
		if (!HASH_PATTERN.test(hash)) return Promise.reject(new InvalidFieldError('chunk hash', `expected 64 lowercase hex digits (a SHA-256), got ${JSON.stringify(String(hash).slice(0, 70))}`));
		if (kind !== 'metric' && kind !== 'artifact') return Promise.reject(new InvalidFieldError('chunk kind', `expected "metric" or "artifact", got ${JSON.stringify(kind)}`));
		return this.#fetcher.fetch(hash, kind, options.signal);
	}

	/** Stops waiting for a chunk: every fetchChunk(hash) caller gets ChunkUnavailableError. */
	cancelFetch(hash: string): void {
		this.#fetcher.cancel(hash);
	}

	// ---- links → mesh ------------------------------------------------------------

	readonly #events: LinkEvents = {
		packet: (link, from, sealed) => this.#receive(link, from, sealed),
		announce: (link, wantsReply) => this.#sendOn(link, null, { type: 'hello', wantsReply, webrtc: this.#webrtc !== null }),
		peerUp: (link, peerId) => {
			if (this.#phase === 'running') this.#linkUp(link, peerId);
		},
		peerDown: (link, peerId) => this.#peerDown(link, peerId),
		misbehaved: (peerId, reason) => this.#reportBadPeer(peerId, reason),
		changed: () => this.#queueStatus()
	};

	#receive(link: Link, from: string, sealed: Uint8Array<ArrayBuffer>): void {
		if (this.#phase !== 'running') return;
		const opened = settle(decrypt(this.#key, sealed));
		this.#inboundQueue(link, from, async () => {
			const result = await opened;
			if (this.#phase !== 'running') return;
			if (!result.ok) {
				this.#reportBadPeer(from, result.error instanceof DecryptionError ? 'frame failed to decrypt (a different share link, or tampered with); dropped' : `frame could not be decrypted (${String(result.error)}); dropped`);
				this.#nudge(link, from);
				return;
			}
			let packet;
			try {
				packet = decodePacket(result.value);
			} catch (error) {
				this.#reportBadPeer(from, `sent a malformed frame (${error instanceof MalformedFrameError ? error.reason : String(error)}); dropped`);
				return;
			}
			if (packet.from !== from) {
				this.#reportBadPeer(from, `sent a frame sealed by peer ${packet.from}; dropped`);
				return;
			}
			if (packet.to !== null && packet.to !== this.peerId) {
				this.#reportBadPeer(from, 'sent a frame sealed for another peer; dropped');
				return;
			}
			this.#handle(link, from, packet.frame);
		});
	}

	/**
	 * Answers a peer whose frames we cannot decrypt with one hello of ours, once:
	 * it cannot decrypt that either, so the person holding the wrong share link
	 * sees the problem in their own status too, not only we in ours.
	 */
	#nudge(link: Link, from: string): void {
		if (link.kind === 'webrtc' || this.#nudged.has(from)) return;
		// Someone without the key can invent peer ids freely; do not let them grow this set without bound.
		if (this.#nudged.size >= MAX_NUDGED_PEERS) this.#nudged.clear();
		this.#nudged.add(from);
		this.#sendOn(link, from, { type: 'hello', wantsReply: false, webrtc: this.#webrtc !== null });
	}

	/** Leaving is queued behind the peer's packets still being decrypted, so none of them re-adds it afterwards. */
	#peerDown(link: Link, peerId: string | null): void {
		if (this.#phase !== 'running') return;
		const affected = new Set<string>();
		if (peerId !== null) affected.add(peerId);
		else {
			for (const peer of this.#peers.values()) if (peer.links.has(link)) affected.add(peer.id);
			for (const sender of this.#inbound.get(link)?.keys() ?? []) affected.add(sender);
		}
		for (const id of affected) this.#inboundQueue(link, id, () => this.#linkDown(link, id));
	}

	#inboundQueue(link: Link, from: string, task: () => Promise<void> | void): void {
		let queues = this.#inbound.get(link);
		if (!queues) this.#inbound.set(link, (queues = new Map()));
		let queue = queues.get(from);
		if (!queue) queues.set(from, (queue = new SerialQueue((error) => this.#reportBadPeer(from, `a frame from this peer could not be handled (${String(error)})`))));
		const owner = queue;
		void queue.enqueue(task).then(() => {
			if (owner.idle && queues.get(from) === owner) queues.delete(from);
		});
	}

	#handle(link: Link, from: string, frame: Frame): void {
		if (frame.type === 'bye') {
			this.#dropPeer(from);
			return;
		}
		const peer = this.#linkUp(link, from);
		switch (frame.type) {
			case 'hello':
				if (link.kind === 'relay') this.#webrtc?.peerReachable(from, frame.webrtc);
				if (frame.wantsReply) this.#sendOn(link, from, { type: 'hello', wantsReply: false, webrtc: this.#webrtc !== null });
				break;
			case 'sync':
				this.#applySync(peer, frame.message);
				break;
			case 'awareness':
				try {
					awarenessProtocol.applyAwarenessUpdate(this.#awareness, frame.update, peer.origin);
					this.#touch();
				} catch (error) {
					this.#reportBadPeer(from, `sent an awareness update that does not parse (${error instanceof Error ? error.message : String(error)}); dropped`);
				}
				break;
			case 'awareness-query':
				this.#sendOwnAwareness(peer);
				break;
			case 'state-vector':
				peer.stateVector = frame.stateVector;
				this.#queueStatus();
				break;
			case 'chunk-want':
				void this.#serveChunk(peer, frame.reqId, frame.hash, frame.kind);
				break;
			case 'chunk-data':
				this.#touch();
				this.#fetcher.onData(from, frame.reqId, frame.hash, frame.bytes);
				break;
			case 'chunk-missing':
				this.#fetcher.onMissing(from, frame.reqId);
				break;
			case 'signal':
				// Signals come through the relay; one over WebRTC itself would be pointless.
				if (link.kind !== 'webrtc') this.#webrtc?.handleSignal(from, frame.signal);
				break;
		}
	}

	#applySync(peer: RemotePeer, message: Uint8Array<ArrayBuffer>): void {
		let answer;
		try {
			answer = readSyncMessage(this.#doc, message, peer.origin, this.#encodeState);
		} catch (error) {
			this.#reportBadPeer(peer.id, `sent a Yjs update that failed to apply (${error instanceof Error ? error.message : String(error)})`);
			return;
		}
		this.#touch();
		if (answer.reply) this.#sendTo(peer, { type: 'sync', message: answer.reply });
		if (answer.type === syncProtocol.messageYjsSyncStep2) peer.gotStep2 = true;
		// Report our state vector even when nothing changed, so the peer can tell it is in sync.
		this.#scheduleStateVector();
	}

	async #serveChunk(peer: RemotePeer, reqId: number, hash: string, kind: ChunkKind): Promise<void> {
		let bytes: Uint8Array | undefined;
		try {
			bytes = await this.#chunks.get(hash, kind);
		} catch {
			bytes = undefined; // a failing store read means we cannot help; say so rather than stay silent
		}
		if (this.#phase !== 'running' || this.#peers.get(peer.id) !== peer) return;
		if (bytes && bytes.length <= MAX_CHUNK_BYTES) this.#sendTo(peer, { type: 'chunk-data', reqId, hash, bytes: owned(bytes) });
		else this.#sendTo(peer, { type: 'chunk-missing', reqId });
	}

	// ---- peers -------------------------------------------------------------------

	#linkUp(link: Link, peerId: string): RemotePeer {
		let peer = this.#peers.get(peerId);
		const isNew = !peer;
		if (!peer) {
			peer = new RemotePeer(peerId);
			this.#peers.set(peerId, peer);
		}
		if (!peer.links.has(link)) {
			peer.links.add(link);
			this.#queueStatus();
		}
		if (isNew) {
			// Asked in V2 (SYNC_STEP1_V2): the answer can be the whole document, and Yjs's V2
			// encoding of it is smaller and about 40 % faster to apply than V1.
			this.#sendTo(peer, { type: 'sync', message: syncStep1V2(this.#doc) });
			this.#sendOwnAwareness(peer);
			this.#fetcher.peerJoined();
		}
		return peer;
	}

	#linkDown(link: Link, peerId: string): void {
		const peer = this.#peers.get(peerId);
		if (!peer?.links.delete(link)) return;
		// Without the relay the WebRTC link cannot be re-signaled; keep it only while it is open.
		if (link.kind === 'relay' && !peer.linkOf('relay') && !peer.linkOf('webrtc')) this.#webrtc?.peerGone(peerId);
		if (peer.links.size === 0) this.#dropPeer(peerId);
		this.#queueStatus();
	}

	#dropPeer(peerId: string): void {
		const peer = this.#peers.get(peerId);
		if (!peer) return;
		this.#peers.delete(peerId);
		const clients = [...peer.awarenessClients].filter((client) => client !== this.#awareness.clientID);
		if (clients.length > 0) awarenessProtocol.removeAwarenessStates(this.#awareness, clients, peer.origin);
		// Forget their clocks too: a peer that comes back (relay restart) re-sends its
		// unchanged state with the same clock, which Awareness would otherwise ignore.
		for (const client of clients) this.#awareness.meta.delete(client);
		this.#webrtc?.peerGone(peerId);
		this.#fetcher.peerLeft(peerId);
		this.#queueStatus();
	}

	// ---- doc and awareness → peers -----------------------------------------------

	readonly #onDocUpdate = (update: Uint8Array, origin: unknown): void => {
		this.#localStateVector = null;
		const from = peerOriginOf(origin);
		// Not back to the peer it came from: it has it.
		this.#broadcast({ type: 'sync', message: syncUpdate(update) }, from?.peerId ?? null);
		this.#scheduleStateVector();
	};

	readonly #onAwarenessUpdate = ({ added, updated, removed }: AwarenessChanges, origin: unknown): void => {
		const from = peerOriginOf(origin);
		if (from) {
			const peer = this.#peers.get(from.peerId);
			if (!peer) return;
			for (const client of [...added, ...updated]) peer.awarenessClients.add(client);
			for (const client of removed) peer.awarenessClients.delete(client);
			return;
		}
		// Only our own state goes out. Every peer hears every other directly, and
		// relaying a state we timed out would make others drop a peer they still hear.
		const own = this.#awareness.clientID;
		if (![...added, ...updated, ...removed].includes(own)) return;
		this.#broadcast({ type: 'awareness', update: owned(awarenessProtocol.encodeAwarenessUpdate(this.#awareness, [own])) }, null);
	};

	#sendOwnAwareness(peer: RemotePeer): void {
		if (this.#awareness.getLocalState() === null) return;
		this.#sendTo(peer, { type: 'awareness', update: owned(awarenessProtocol.encodeAwarenessUpdate(this.#awareness, [this.#awareness.clientID])) });
	}

	#scheduleStateVector(): void {
		if (this.#stateVectorTimer || this.#phase !== 'running') return;
		this.#stateVectorTimer = setTimeout(() => {
			this.#stateVectorTimer = null;
			if (this.#phase !== 'running') return;
			this.#broadcast({ type: 'state-vector', stateVector: this.#currentStateVector() }, null);
			this.#queueStatus();
		}, STATE_VECTOR_INTERVAL_MS);
	}

	#currentStateVector(): Map<number, number> {
		this.#localStateVector ??= Y.decodeStateVector(Y.encodeStateVector(this.#doc));
		return this.#localStateVector;
	}

	// ---- sending -------------------------------------------------------------------

	#seal(to: string | null, frame: Frame): Promise<Settled<Uint8Array<ArrayBuffer>>> {
		return settle(encrypt(this.#key, encodePacket({ from: this.peerId, to, frame })));
	}

	/** Sends on one particular link (hellos and signals belong to the link they answer). */
	#sendOn(link: Link, to: string | null, frame: Frame): void {
		if (this.#phase !== 'running') return;
		const sealed = this.#seal(to, frame);
		let queue = this.#linkQueues.get(link);
		if (!queue) this.#linkQueues.set(link, (queue = new SerialQueue()));
		void queue.enqueue(async () => {
			const result = await sealed;
			if (result.ok) link.send(to, result.value);
		});
	}

	#sendTo(peer: RemotePeer, frame: Frame): void {
		this.#deliver(peer, this.#seal(peer.id, frame));
	}

	/** One encryption for all recipients: the packet is addressed to everyone. */
	#broadcast(frame: Frame, except: string | null): void {
		const recipients = [...this.#peers.values()].filter((peer) => peer.id !== except);
		if (recipients.length === 0) return;
		const sealed = this.#seal(null, frame);
		for (const peer of recipients) this.#deliver(peer, sealed);
	}

	#deliver(peer: RemotePeer, sealed: Promise<Settled<Uint8Array<ArrayBuffer>>>): void {
		if (this.#phase !== 'running' && this.#phase !== 'stopping') return;
		void peer.outbox.enqueue(async () => {
			const result = await sealed;
			// Encryption with a valid key does not fail; if it did, sending nothing is the safe choice.
			if (!result.ok) return;
			// The best link when the frame's turn comes, not when it was written.
			peer.bestLink()?.send(peer.id, result.value);
		});
	}

	// ---- status ----------------------------------------------------------------------

	#touch(): void {
		this.#lastSyncAt = this.#now();
		this.#queueStatus();
	}

	#reportBadPeer(peerId: string, reason: string): void {
		// The same fault repeats for every frame (a wrong key): keep one entry, refreshed.
		this.#badPeers = this.#badPeers.filter((report) => !(report.peerId === peerId && report.reason === reason));
		this.#badPeers.unshift({ peerId, reason, at: this.#now() });
		this.#badPeers.length = Math.min(this.#badPeers.length, MAX_BAD_PEER_REPORTS);
		this.#queueStatus();
	}

	#signaling(): { state: SignalingState; error: string | null } {
		const states = this.#relays.map((relay) => relay.state);
		if (states.includes('connected')) return { state: 'connected', error: null };
		if (states.includes('connecting')) return { state: 'connecting', error: null };
		const errors = this.#relays.map((relay) => relay.error).filter((error): error is string => error !== null);
		if (states.includes('unreachable')) return { state: 'unreachable', error: errors.join(' ') || null };
		return { state: 'off', error: null };
	}

	/** Coalesces a burst of changes into one notification, sent only if the status really differs. */
	#queueStatus(): void {
		if (this.#statusQueued) return;
		this.#statusQueued = true;
		queueMicrotask(() => {
			this.#statusQueued = false;
			const status = this.status;
			const key = JSON.stringify(status);
			if (key === this.#lastStatusKey) return;
			this.#lastStatusKey = key;
			for (const listener of [...this.#listeners]) {
				try {
					listener(status);
				} catch (error) {
					// One broken listener must not starve the others or break the mesh.
					console.error('SyncMesh status listener failed', error);
				}
			}
		});
	}

	// ---- stopping ----------------------------------------------------------------------

	async #stop(): Promise<void> {
		const wasRunning = this.#phase === 'running';
		this.#phase = 'stopping';
		this.#doc.off('update', this.#onDocUpdate);
		this.#awareness.off('update', this.#onAwarenessUpdate);
		if (this.#stateVectorTimer) clearTimeout(this.#stateVectorTimer);
		this.#stateVectorTimer = null;
		this.#fetcher.stop();
		if (wasRunning && this.#peers.size > 0) {
			this.#broadcast({ type: 'bye' }, null);
			let graceTimer: ReturnType<typeof setTimeout> | undefined;
			const grace = new Promise<void>((resolve) => (graceTimer = setTimeout(resolve, BYE_GRACE_MS)));
			await Promise.race([Promise.all([...this.#peers.values()].map((peer) => peer.outbox.drained())), grace]);
			clearTimeout(graceTimer);
		}
		for (const link of this.#links) link.stop();
		for (const peerId of [...this.#peers.keys()]) this.#dropPeer(peerId);
		this.#inbound.clear();
		this.#linkQueues.clear();
		this.#phase = 'stopped';
		this.#queueStatus();
	}
}

function randomPeerId(): string {
	const bytes = globalThis.crypto.getRandomValues(new Uint8Array(PEER_ID_BYTES));
	return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** An ArrayBuffer-backed view (what encryption and hashing accept), copying only when needed. */
function owned(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
	return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}
