/**
 * Direct browser-to-browser links: one RTCPeerConnection per peer with one
 * ordered, reliable data channel. Signaling (offer, answer, ICE candidates)
 * travels as ordinary encrypted mesh frames through the relay, so the relay
 * server never sees SDP either.
 *
 * Who offers is decided, not negotiated: the peer with the lower id offers and
 * the other only answers, so two peers never offer to each other at once
 * (no "glare" handling needed). The offerer retries with backoff after a
 * failure for as long as the peer stays reachable through the relay.
 *
 * Packets are sent as fragments (fragments.ts) and the sender waits on
 * `bufferedAmount` so that a 4 MiB chunk does not overflow the channel's send
 * buffer (Chromium closes a channel whose buffer exceeds 16 MiB).
 */
import type { Link, LinkEvents } from './link';
import { fragment, Reassembler } from './fragments';
import type { SignalMessage } from './protocol';
import { SerialQueue } from './serial-queue';
import { MalformedFrameError } from './errors';

/** ICE that has not produced an open channel by then will not; give up and retry later. */
export const CONNECT_TIMEOUT_MS = 15_000;
/** Offerer's waits between attempts; the last repeats. A peer without a usable path costs one attempt a minute. */
export const RETRY_DELAYS_MS = [1_000, 5_000, 15_000, 60_000] as const;
/** Stop writing above 1 MiB queued, resume below 256 KiB: keeps the pipe full without hoarding memory. */
export const BUFFER_HIGH_BYTES = 1024 * 1024;
export const BUFFER_LOW_BYTES = 256 * 1024;
const CHANNEL_LABEL = 'cairn-mesh';

export interface WebRtcLinkOptions {
	peerId: string;
	iceServers: RTCIceServer[];
	RTCPeerConnection: typeof globalThis.RTCPeerConnection;
	events: LinkEvents;
	/** Sends a signal to a peer through the relay, encrypted. */
	sendSignal(to: string, signal: SignalMessage): void;
}

/**
 * What the mesh needs of its WebRTC link beyond Link: the peer lifecycle it
 * learns through the relay, and signals to apply. WebRtcLink implements it on a
 * page; BridgedWebRtc (webrtc-bridge.ts) implements it in a worker, which has
 * no RTCPeerConnection, by forwarding to a WebRtcLink on the page.
 */
export interface WebRtcTransport extends Link {
	readonly kind: 'webrtc';
	/** True when a data channel to the peer is open. */
	isOpen(peerId: string): boolean;
	/** The mesh heard from a peer through the relay; offer if it is ours to offer. */
	peerReachable(peerId: string, acceptsWebrtc: boolean): void;
	/** The peer left, or is no longer reachable for signaling: close and stop retrying. */
	peerGone(peerId: string): void;
	/** A signal (offer, answer, candidate) the peer sent us through the relay. */
	handleSignal(from: string, signal: SignalMessage): void;
}

export class WebRtcLink implements WebRtcTransport {
	readonly kind = 'webrtc' as const;
	readonly #options: WebRtcLinkOptions;
	readonly #connections = new Map<string, PeerConnection>();
	/** Peers we offer to (lower id, WebRTC-capable, reachable for signaling), with their retry state. */
	readonly #targets = new Map<string, { attempt: number; timer: ReturnType<typeof setTimeout> | null }>();
	#running = false;

	constructor(options: WebRtcLinkOptions) {
		this.#options = options;
	}

	start(): void {
		this.#running = true;
	}

	stop(): void {
		this.#running = false;
		for (const target of this.#targets.values()) if (target.timer) clearTimeout(target.timer);
		this.#targets.clear();
		for (const peerId of [...this.#connections.keys()]) this.#discard(peerId);
	}

	send(to: string | null, sealed: Uint8Array<ArrayBuffer>): void {
		if (to === null) {
			for (const connection of this.#connections.values()) connection.send(sealed);
		} else {
			this.#connections.get(to)?.send(sealed);
		}
	}

	/** True when a data channel to the peer is open. */
	isOpen(peerId: string): boolean {
		return this.#connections.get(peerId)?.open ?? false;
	}

	/** The mesh heard from a peer through the relay; offer if it is ours to offer. */
	peerReachable(peerId: string, acceptsWebrtc: boolean): void {
		if (!this.#running || !acceptsWebrtc || !(this.#options.peerId < peerId)) return;
		if (this.#targets.has(peerId)) return;
		this.#targets.set(peerId, { attempt: 0, timer: null });
		this.#offer(peerId);
	}

	/** The peer left, or is no longer reachable for signaling: close and stop retrying. */
	peerGone(peerId: string): void {
		const target = this.#targets.get(peerId);
		if (target?.timer) clearTimeout(target.timer);
		this.#targets.delete(peerId);
		this.#discard(peerId);
	}

	handleSignal(from: string, signal: SignalMessage): void {
		if (!this.#running) return;
		if (signal.kind === 'description' && signal.description.type === 'offer') {
			// Only the higher id answers; an offer the other way round breaks the rule both sides follow.
			if (this.#options.peerId < from) {
				this.#options.events.misbehaved(from, 'sent a WebRTC offer although the lower peer id offers');
				return;
			}
			this.#discard(from); // the offerer restarted: replace the old connection
			this.#connect(from, false).acceptOffer(signal.description);
			return;
		}
		const connection = this.#connections.get(from);
		if (!connection) return; // a late answer or candidate for a connection already closed
		if (signal.kind === 'description') connection.acceptAnswer(signal.description);
		else connection.addCandidate(signal.candidate);
	}

	#offer(peerId: string): void {
		this.#discard(peerId);
		this.#connect(peerId, true).makeOffer();
	}

	/** Closes the peer's connection as replaced or unwanted: no retry follows. */
	#discard(peerId: string): void {
		const connection = this.#connections.get(peerId);
		this.#connections.delete(peerId);
		connection?.close();
	}

	#connect(peerId: string, offerer: boolean): PeerConnection {
		const connection = new PeerConnection(peerId, offerer, this.#options, {
			opened: () => {
				const target = this.#targets.get(peerId);
				if (target) target.attempt = 0;
				this.#options.events.peerUp(this, peerId);
			},
			message: (sealed) => this.#options.events.packet(this, peerId, sealed),
			misbehaved: (reason) => this.#options.events.misbehaved(peerId, reason),
			closed: (wasOpen) => {
				// Still the current connection: it failed rather than being replaced or discarded.
				const failed = this.#connections.get(peerId) === connection;
				if (failed) this.#connections.delete(peerId);
				if (wasOpen) this.#options.events.peerDown(this, peerId);
				if (failed && offerer) this.#scheduleRetry(peerId);
			}
		});
		this.#connections.set(peerId, connection);
		return connection;
	}

	#scheduleRetry(peerId: string): void {
		const target = this.#targets.get(peerId);
		if (!this.#running || !target || target.timer) return;
		const delay = RETRY_DELAYS_MS[Math.min(target.attempt, RETRY_DELAYS_MS.length - 1)] ?? 60_000;
		target.attempt++;
		target.timer = setTimeout(() => {
			target.timer = null;
			if (this.#running && this.#targets.get(peerId) === target && !this.#connections.has(peerId)) this.#offer(peerId);
		}, delay);
	}
}

interface ConnectionEvents {
	opened(): void;
	message(sealed: Uint8Array<ArrayBuffer>): void;
	misbehaved(reason: string): void;
	closed(wasOpen: boolean): void;
}

/** One RTCPeerConnection and its data channel. */
class PeerConnection {
	readonly #pc: RTCPeerConnection;
	readonly #events: ConnectionEvents;
	readonly #sendSignal: (signal: SignalMessage) => void;
	/** Signaling steps are async; run them in arrival order. */
	readonly #signaling = new SerialQueue();
	/** Sends, fragment by fragment, in order. */
	readonly #outbox = new SerialQueue();
	readonly #reassembler = new Reassembler();
	/** Candidates that arrive before the remote description wait here. */
	#pendingCandidates: RTCIceCandidateInit[] = [];
	#channel: RTCDataChannel | null = null;
	#timeout: ReturnType<typeof setTimeout>;
	#open = false;
	#closed = false;

	constructor(peerId: string, offerer: boolean, options: WebRtcLinkOptions, events: ConnectionEvents) {
		this.#events = events;
		this.#sendSignal = (signal) => options.sendSignal(peerId, signal);
		this.#pc = new options.RTCPeerConnection({ iceServers: options.iceServers });
		this.#pc.onicecandidate = (event) => {
			if (!event.candidate) return; // end of candidates: nothing to tell
			const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = event.candidate.toJSON();
			this.#sendSignal({
				kind: 'candidate',
				candidate: { candidate: candidate ?? '', sdpMid: sdpMid ?? null, sdpMLineIndex: sdpMLineIndex ?? null, usernameFragment: usernameFragment ?? null }
			});
		};
		this.#pc.onconnectionstatechange = () => {
			const state = this.#pc.connectionState;
			if (state === 'failed' || state === 'closed') this.close();
		};
		if (offerer) {
			this.#attach(this.#pc.createDataChannel(CHANNEL_LABEL, { ordered: true }));
		} else {
			this.#pc.ondatachannel = (event) => {
				if (event.channel.label === CHANNEL_LABEL && !this.#channel) this.#attach(event.channel);
			};
		}
		this.#timeout = setTimeout(() => {
			if (!this.#open) this.close();
		}, CONNECT_TIMEOUT_MS);
	}

	get open(): boolean {
		return this.#open;
	}

	makeOffer(): void {
		this.#signaling.enqueue(async () => {
			const offer = await this.#pc.createOffer();
			await this.#pc.setLocalDescription(offer);
			if (!this.#closed) this.#sendSignal({ kind: 'description', description: { type: 'offer', sdp: offer.sdp ?? '' } });
		});
	}

	acceptOffer(description: { type: 'offer' | 'answer'; sdp: string }): void {
		this.#signaling.enqueue(async () => {
			await this.#pc.setRemoteDescription(description);
			await this.#flushCandidates();
			const answer = await this.#pc.createAnswer();
			await this.#pc.setLocalDescription(answer);
			if (!this.#closed) this.#sendSignal({ kind: 'description', description: { type: 'answer', sdp: answer.sdp ?? '' } });
		});
	}

	acceptAnswer(description: { type: 'offer' | 'answer'; sdp: string }): void {
		this.#signaling.enqueue(async () => {
			if (description.type !== 'answer' || this.#pc.signalingState !== 'have-local-offer') return;
			await this.#pc.setRemoteDescription(description);
			await this.#flushCandidates();
		});
	}

	addCandidate(candidate: RTCIceCandidateInit): void {
		this.#signaling.enqueue(async () => {
			if (this.#pc.remoteDescription) await this.#pc.addIceCandidate(candidate).catch(() => {});
			else this.#pendingCandidates.push(candidate);
		});
	}

	send(sealed: Uint8Array<ArrayBuffer>): void {
		if (!this.#open) return;
		this.#outbox.enqueue(async () => {
			for (const piece of fragment(sealed)) {
				const channel = this.#channel;
				if (!channel || channel.readyState !== 'open') return;
				if (channel.bufferedAmount > BUFFER_HIGH_BYTES) await drained(channel);
				if (channel.readyState !== 'open') return;
				channel.send(piece);
			}
		});
	}

	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		clearTimeout(this.#timeout);
		const wasOpen = this.#open;
		this.#open = false;
		if (this.#channel) {
			this.#channel.onopen = this.#channel.onclose = this.#channel.onmessage = null;
			this.#channel.close();
		}
		this.#pc.onicecandidate = this.#pc.onconnectionstatechange = this.#pc.ondatachannel = null;
		this.#pc.close();
		this.#events.closed(wasOpen);
	}

	async #flushCandidates(): Promise<void> {
		const pending = this.#pendingCandidates;
		this.#pendingCandidates = [];
		for (const candidate of pending) await this.#pc.addIceCandidate(candidate).catch(() => {});
	}

	#attach(channel: RTCDataChannel): void {
		this.#channel = channel;
		channel.binaryType = 'arraybuffer';
		channel.bufferedAmountLowThreshold = BUFFER_LOW_BYTES;
		channel.onopen = () => {
			if (this.#closed) return;
			this.#open = true;
			clearTimeout(this.#timeout);
			this.#events.opened();
		};
		channel.onclose = () => this.close();
		channel.onmessage = (event: MessageEvent) => {
			if (!(event.data instanceof ArrayBuffer)) {
				this.#events.misbehaved('sent a text message on the data channel');
				return;
			}
			let message: Uint8Array<ArrayBuffer> | null;
			try {
				message = this.#reassembler.push(new Uint8Array(event.data));
			} catch (error) {
				this.#events.misbehaved(`sent a broken WebRTC fragment (${error instanceof MalformedFrameError ? error.reason : String(error)})`);
				return;
			}
			if (message) this.#events.message(message);
		};
	}
}

/** Resolves when the channel's buffer has drained below its low threshold, or it closed. */
function drained(channel: RTCDataChannel): Promise<void> {
	return new Promise((resolve) => {
		const done = () => {
			channel.removeEventListener('bufferedamountlow', done);
			channel.removeEventListener('close', done);
			resolve();
		};
		channel.addEventListener('bufferedamountlow', done);
		channel.addEventListener('close', done);
	});
}
