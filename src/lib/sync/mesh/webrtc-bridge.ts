/**
 * The WebRTC link across the worker boundary. The sync mesh runs in a worker,
 * but RTCPeerConnection exists only on the page; so the page hosts a real
 * WebRtcLink (hostWebRtc) and the worker's mesh gets a stand-in (BridgedWebRtc)
 * that forwards over a MessagePort. Only sealed packets and signals cross, never
 * the key or plaintext:
 *
 *   worker: SyncMesh ⇄ BridgedWebRtc ═ MessagePort ═ hostWebRtc ⇄ WebRtcLink ⇄ RTCPeerConnection :page
 *
 * Protocol: every message carries `session`, the worker mesh's peer id.
 *   worker → page (BridgeCommand): init, start, stop, send, peer-reachable, peer-gone, signal
 *   page → worker (BridgeEvent):   packet, announce, peer-up, peer-down, misbehaved, changed, signal
 * BridgedWebRtc posts `init` when it is constructed; the host then builds a
 * WebRtcLink for that peer id. An init from a newer mesh (the worker rebuilt
 * its mesh on the same port) replaces the link, and the session tag keeps a
 * stale mesh's commands and the old link's events from reaching the new pair.
 * A message that does not validate is ignored: the port is same-origin, but a
 * bug on one side should cost a dropped message, not an exception in the other.
 * Packets travel as transferred ArrayBuffers, so a 4 MiB chunk is not cloned.
 *
 * Without RTCPeerConnection on the page there is nothing to host. The mesh
 * advertises WebRTC in its very first hello, so that is settled before the mesh
 * exists: the page checks canHostWebRtc() and hands the worker no port, and the
 * worker passes bridgedWebRtc(null), which gives the mesh no WebRTC link (its
 * hellos then say so and peers never offer to it). hostWebRtc itself throws
 * WebRtcUnavailableError rather than host a link that could never open.
 */
import { CairnError } from '$lib/core/errors';
import type { SyncMeshOptions } from '../mesh-types';
import type { LinkEvents } from './link';
import { isPeerId, type SignalMessage } from './protocol';
import { WebRtcLink, type WebRtcTransport } from './webrtc-link';

/** Worker → page: what the worker's mesh asks of the link. */
export type BridgeCommand =
	| { type: 'init' | 'start' | 'stop'; session: string }
	| { type: 'send'; session: string; to: string | null; sealed: ArrayBuffer }
	| { type: 'peer-reachable'; session: string; peerId: string; acceptsWebrtc: boolean }
	| { type: 'peer-gone'; session: string; peerId: string }
	| { type: 'signal'; session: string; from: string; signal: SignalMessage };

/** Page → worker: the link's LinkEvents and its outgoing signals. */
export type BridgeEvent =
	| { type: 'packet'; session: string; from: string; sealed: ArrayBuffer }
	| { type: 'announce'; session: string; wantsReply: boolean }
	| { type: 'peer-up'; session: string; peerId: string }
	| { type: 'peer-down'; session: string; peerId: string | null }
	| { type: 'misbehaved'; session: string; peerId: string; reason: string }
	| { type: 'changed'; session: string }
	| { type: 'signal'; session: string; to: string; signal: SignalMessage };

/** hostWebRtc was called on a page without RTCPeerConnection. */
export class WebRtcUnavailableError extends CairnError {
	override readonly name: string = 'WebRtcUnavailableError';
	constructor() {
		super(
			'webrtc_unavailable',
			'This page has no RTCPeerConnection, so it cannot host the sync worker’s WebRTC link. Check canHostWebRtc() first and give the worker no port: bridgedWebRtc(null) runs the mesh without WebRTC.'
		);
	}
}

// ---- page side ---------------------------------------------------------------------

export interface HostWebRtcOptions {
	/** STUN/TURN servers; default none (host candidates only: peers on one network). */
	iceServers?: RTCIceServer[];
	/** Defaults to globalThis.RTCPeerConnection. */
	RTCPeerConnection?: typeof globalThis.RTCPeerConnection;
}

/** True when this page can host the worker's WebRTC link (see the module comment). */
export function canHostWebRtc(RTCPeerConnectionImpl: typeof globalThis.RTCPeerConnection | undefined = globalThis.RTCPeerConnection): boolean {
	return typeof RTCPeerConnectionImpl === 'function';
}

/**
 * Runs the worker mesh's WebRTC link on this page, driven over `port`. Returns
 * the dispose function: it closes every connection and the port (call it when
 * the worker is terminated; a dead worker does not say so).
 */
export function hostWebRtc(port: MessagePort, options: HostWebRtcOptions = {}): () => void {
	const RTCPeerConnectionImpl = options.RTCPeerConnection ?? globalThis.RTCPeerConnection;
	if (!canHostWebRtc(RTCPeerConnectionImpl)) throw new WebRtcUnavailableError();
	let session: string | null = null;
	let link: WebRtcLink | null = null;
	let disposed = false;

	const post = (event: BridgeEvent, transfer: Transferable[] = []): void => {
		if (!disposed) port.postMessage(event, transfer);
	};

	const createLink = (id: string): WebRtcLink => {
		const events: LinkEvents = {
			packet: (_link, from, sealed) => {
				// The link is done with a reassembled packet once it reports it, so it can move, not copy.
				const buffer = ownBuffer(sealed);
				post({ type: 'packet', session: id, from, sealed: buffer }, [buffer]);
			},
			announce: (_link, wantsReply) => post({ type: 'announce', session: id, wantsReply }),
			peerUp: (_link, peerId) => post({ type: 'peer-up', session: id, peerId }),
			peerDown: (_link, peerId) => post({ type: 'peer-down', session: id, peerId }),
			misbehaved: (peerId, reason) => post({ type: 'misbehaved', session: id, peerId, reason }),
			changed: () => post({ type: 'changed', session: id })
		};
		return new WebRtcLink({
			peerId: id,
			iceServers: options.iceServers ?? [],
			RTCPeerConnection: RTCPeerConnectionImpl,
			events,
			sendSignal: (to, signal) => post({ type: 'signal', session: id, to, signal })
		});
	};

	const onMessage = (message: MessageEvent): void => {
		const command = parseCommand(message.data);
		if (!command) return;
		if (command.type === 'init') {
			if (command.session === session) return;
			link?.stop(); // a newer mesh replaced the old one; its peer-downs carry the old session and are dropped
			session = command.session;
			link = createLink(session);
			return;
		}
		if (!link || command.session !== session) return;
		switch (command.type) {
			case 'start':
				link.start();
				break;
			case 'stop':
				link.stop();
				link = null; // a stopped mesh does not start again
				break;
			case 'send':
				link.send(command.to, new Uint8Array(command.sealed));
				break;
			case 'peer-reachable':
				link.peerReachable(command.peerId, command.acceptsWebrtc);
				break;
			case 'peer-gone':
				link.peerGone(command.peerId);
				break;
			case 'signal':
				link.handleSignal(command.from, command.signal);
				break;
		}
	};

	port.addEventListener('message', onMessage);
	port.start();
	return () => {
		if (disposed) return;
		port.removeEventListener('message', onMessage);
		// Before `disposed`: a worker mesh still running hears the peer-downs, so its isOpen stays true to fact.
		link?.stop();
		link = null;
		disposed = true;
		port.close();
	};
}

// ---- worker side ---------------------------------------------------------------------

export type WebRtcTransportFactory = NonNullable<SyncMeshOptions['webrtcTransport']>;
export type BridgedWebRtcOptions = Parameters<WebRtcTransportFactory>[0];

/** SyncMeshOptions.webrtcTransport for a worker: bridged over `port`, or no WebRTC when the page gave none. */
export function bridgedWebRtc(port: MessagePort | null): WebRtcTransportFactory {
	return (options) => (port ? new BridgedWebRtc(port, options) : null);
}

/** The worker mesh's WebRTC link: forwards to the page's WebRtcLink over a MessagePort. */
export class BridgedWebRtc implements WebRtcTransport {
	readonly kind = 'webrtc' as const;
	readonly #port: MessagePort;
	readonly #options: BridgedWebRtcOptions;
	/** Peers whose data channel the page reported open, so isOpen answers without a round trip. */
	readonly #open = new Set<string>();
	#stopped = false;

	constructor(port: MessagePort, options: BridgedWebRtcOptions) {
		this.#port = port;
		this.#options = options;
		port.addEventListener('message', this.#onMessage);
		port.start();
		this.#post({ type: 'init', session: options.peerId });
	}

	start(): void {
		if (!this.#stopped) this.#post({ type: 'start', session: this.#options.peerId });
	}

	/** Leaves the port open: it belongs to whoever passed it, and a rebuilt mesh may use it next. */
	stop(): void {
		if (this.#stopped) return;
		this.#post({ type: 'stop', session: this.#options.peerId });
		this.#stopped = true;
		this.#port.removeEventListener('message', this.#onMessage);
		this.#open.clear();
	}

	send(to: string | null, sealed: Uint8Array<ArrayBuffer>): void {
		if (this.#stopped) return;
		// No channel to send on: the page would drop it too, after a copy across the port.
		if (to === null ? this.#open.size === 0 : !this.#open.has(to)) return;
		// Copied, never transferred: the mesh seals a broadcast once and hands the
		// same bytes to every peer's best link; detaching them would empty them for the relay.
		const buffer = sealed.slice().buffer;
		this.#post({ type: 'send', session: this.#options.peerId, to, sealed: buffer }, [buffer]);
	}

	isOpen(peerId: string): boolean {
		return this.#open.has(peerId);
	}

	peerReachable(peerId: string, acceptsWebrtc: boolean): void {
		this.#post({ type: 'peer-reachable', session: this.#options.peerId, peerId, acceptsWebrtc });
	}

	peerGone(peerId: string): void {
		// WebRtcLink closes the channel at once, so isOpen turns false now; its peer-down follows.
		this.#open.delete(peerId);
		this.#post({ type: 'peer-gone', session: this.#options.peerId, peerId });
	}

	handleSignal(from: string, signal: SignalMessage): void {
		this.#post({ type: 'signal', session: this.#options.peerId, from, signal });
	}

	#post(command: BridgeCommand, transfer: Transferable[] = []): void {
		if (!this.#stopped) this.#port.postMessage(command, transfer);
	}

	readonly #onMessage = (message: MessageEvent): void => {
		const event = parseEvent(message.data);
		if (!event || event.session !== this.#options.peerId || this.#stopped) return;
		const { events } = this.#options;
		switch (event.type) {
			case 'packet':
				events.packet(this, event.from, new Uint8Array(event.sealed));
				break;
			case 'announce':
				events.announce(this, event.wantsReply);
				break;
			case 'peer-up':
				this.#open.add(event.peerId);
				events.peerUp(this, event.peerId);
				break;
			case 'peer-down':
				if (event.peerId === null) this.#open.clear();
				else this.#open.delete(event.peerId);
				events.peerDown(this, event.peerId);
				break;
			case 'misbehaved':
				events.misbehaved(event.peerId, event.reason);
				break;
			case 'changed':
				events.changed();
				break;
			case 'signal':
				this.#options.sendSignal(event.to, event.signal);
				break;
		}
	};
}

// ---- validation ----------------------------------------------------------------------

/** The command, rebuilt from checked fields only, or null when `data` is not one. */
export function parseCommand(data: unknown): BridgeCommand | null {
	if (!isRecord(data) || !isPeerId(data.session)) return null;
	const { type, session } = data;
	switch (type) {
		case 'init':
		case 'start':
		case 'stop':
			return { type, session };
		case 'send': {
			const { to, sealed } = data;
			return (to === null || isPeerId(to)) && sealed instanceof ArrayBuffer ? { type, session, to, sealed } : null;
		}
		case 'peer-reachable': {
			const { peerId, acceptsWebrtc } = data;
			return isPeerId(peerId) && typeof acceptsWebrtc === 'boolean' ? { type, session, peerId, acceptsWebrtc } : null;
		}
		case 'peer-gone':
			return isPeerId(data.peerId) ? { type, session, peerId: data.peerId } : null;
		case 'signal': {
			const { from } = data;
			const signal = parseSignal(data.signal);
			return isPeerId(from) && signal ? { type, session, from, signal } : null;
		}
		default:
			return null;
	}
}

/** The event, rebuilt from checked fields only, or null when `data` is not one. */
export function parseEvent(data: unknown): BridgeEvent | null {
	if (!isRecord(data) || !isPeerId(data.session)) return null;
	const { type, session } = data;
	switch (type) {
		case 'packet': {
			const { from, sealed } = data;
			return isPeerId(from) && sealed instanceof ArrayBuffer ? { type, session, from, sealed } : null;
		}
		case 'announce':
			return typeof data.wantsReply === 'boolean' ? { type, session, wantsReply: data.wantsReply } : null;
		case 'peer-up':
			return isPeerId(data.peerId) ? { type, session, peerId: data.peerId } : null;
		case 'peer-down': {
			const { peerId } = data;
			return peerId === null || isPeerId(peerId) ? { type, session, peerId } : null;
		}
		case 'misbehaved': {
			const { peerId, reason } = data;
			return isPeerId(peerId) && typeof reason === 'string' ? { type, session, peerId, reason } : null;
		}
		case 'changed':
			return { type, session };
		case 'signal': {
			const { to } = data;
			const signal = parseSignal(data.signal);
			return isPeerId(to) && signal ? { type, session, to, signal } : null;
		}
		default:
			return null;
	}
}

/** The same shapes protocol.ts accepts from the relay, rebuilt so no extra fields ride along. */
function parseSignal(value: unknown): SignalMessage | null {
	if (!isRecord(value)) return null;
	if (value.kind === 'description' && isRecord(value.description)) {
		const { type, sdp } = value.description;
		return (type === 'offer' || type === 'answer') && typeof sdp === 'string' ? { kind: 'description', description: { type, sdp } } : null;
	}
	if (value.kind === 'candidate' && isRecord(value.candidate)) {
		const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = value.candidate;
		const valid =
			typeof candidate === 'string' &&
			(sdpMid === null || typeof sdpMid === 'string') &&
			(sdpMLineIndex === null || (typeof sdpMLineIndex === 'number' && Number.isInteger(sdpMLineIndex) && sdpMLineIndex >= 0)) &&
			(usernameFragment === null || typeof usernameFragment === 'string');
		return valid ? { kind: 'candidate', candidate: { candidate, sdpMid, sdpMLineIndex, usernameFragment } } : null;
	}
	return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The view's buffer when the view spans all of it, else a copy that does (a transfer moves whole buffers). */
function ownBuffer(view: Uint8Array<ArrayBuffer>): ArrayBuffer {
	return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength ? view.buffer : view.slice().buffer;
}
