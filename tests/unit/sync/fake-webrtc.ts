/**
 * A stand-in for RTCPeerConnection in Node, enough to drive WebRtcLink through
 * its real signaling (offer, answer, candidates over the relay) and data path.
 * Data channels behave like Chromium's where it matters to the mesh: messages
 * over 256 KiB throw, delivery is ordered and asynchronous, bufferedAmount
 * grows with unsent bytes and 'bufferedamountlow' fires when it drains.
 * Real two-profile Chromium tests live elsewhere; this checks our side of the API.
 */

/** Chromium's SCTP message size limit. */
export const CHROMIUM_MAX_MESSAGE_BYTES = 256 * 1024;

const registry = new Map<string, FakePeerConnection>();
let nextId = 1;

export const webrtcStats = { maxBufferedAmount: 0, maxMessageBytes: 0, messages: 0 };

export function resetWebrtcStats(): void {
	webrtcStats.maxBufferedAmount = 0;
	webrtcStats.maxMessageBytes = 0;
	webrtcStats.messages = 0;
}

class FakeDataChannel extends EventTarget {
	readonly label: string;
	readyState: RTCDataChannelState = 'connecting';
	binaryType: BinaryType = 'blob';
	bufferedAmount = 0;
	bufferedAmountLowThreshold = 0;
	onopen: ((event: Event) => void) | null = null;
	onclose: ((event: Event) => void) | null = null;
	onmessage: ((event: MessageEvent) => void) | null = null;
	peer: FakeDataChannel | null = null;

	constructor(label: string) {
		super();
		this.label = label;
	}

	send(data: Uint8Array): void {
		if (this.readyState !== 'open') throw new Error('InvalidStateError: RTCDataChannel.readyState is not open');
		if (data.byteLength > CHROMIUM_MAX_MESSAGE_BYTES) throw new TypeError(`message of ${data.byteLength} bytes exceeds the 256 KiB limit`);
		webrtcStats.maxMessageBytes = Math.max(webrtcStats.maxMessageBytes, data.byteLength);
		webrtcStats.messages++;
		const copy = new Uint8Array(data).buffer;
		this.bufferedAmount += copy.byteLength;
		webrtcStats.maxBufferedAmount = Math.max(webrtcStats.maxBufferedAmount, this.bufferedAmount);
		// Drains one message per macrotask, like a network that is slower than the sender.
		setImmediate(() => {
			const before = this.bufferedAmount;
			this.bufferedAmount -= copy.byteLength;
			if (before > this.bufferedAmountLowThreshold && this.bufferedAmount <= this.bufferedAmountLowThreshold) this.#fire('bufferedamountlow');
			const peer = this.peer;
			if (peer && peer.readyState === 'open') peer.onmessage?.(new MessageEvent('message', { data: copy }));
		});
	}

	close(): void {
		if (this.readyState === 'closed') return;
		this.readyState = 'closed';
		this.#fire('close');
		this.peer?.close();
	}

	open(): void {
		this.readyState = 'open';
		this.#fire('open');
	}

	#fire(type: string): void {
		const event = new Event(type);
		if (type === 'open') this.onopen?.(event);
		if (type === 'close') this.onclose?.(event);
		this.dispatchEvent(event);
	}
}

export class FakePeerConnection {
	readonly id = `pc${nextId++}`;
	connectionState: RTCPeerConnectionState = 'new';
	signalingState: RTCSignalingState = 'stable';
	localDescription: RTCSessionDescriptionInit | null = null;
	remoteDescription: RTCSessionDescriptionInit | null = null;
	onicecandidate: ((event: { candidate: { toJSON(): RTCIceCandidateInit } | null }) => void) | null = null;
	onconnectionstatechange: (() => void) | null = null;
	ondatachannel: ((event: { channel: FakeDataChannel }) => void) | null = null;
	readonly candidates: RTCIceCandidateInit[] = [];
	#channel: FakeDataChannel | null = null;

	constructor(_config?: RTCConfiguration) {
		registry.set(this.id, this);
	}

	createDataChannel(label: string): FakeDataChannel {
		this.#channel = new FakeDataChannel(label);
		return this.#channel;
	}

	async createOffer(): Promise<RTCSessionDescriptionInit> {
		return { type: 'offer', sdp: `fake-sdp:${this.id}` };
	}

	async createAnswer(): Promise<RTCSessionDescriptionInit> {
		return { type: 'answer', sdp: `fake-sdp:${this.id}` };
	}

	async setLocalDescription(description: RTCSessionDescriptionInit): Promise<void> {
		this.localDescription = description;
		if (description.type === 'offer') this.signalingState = 'have-local-offer';
		setTimeout(() => {
			const candidate = { candidate: `candidate:${this.id}`, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: null };
			this.onicecandidate?.({ candidate: { toJSON: () => candidate } });
			this.onicecandidate?.({ candidate: null });
		}, 1);
	}

	async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
		this.remoteDescription = description;
		if (description.type !== 'answer') return;
		this.signalingState = 'stable';
		const answerer = registry.get(String(description.sdp).replace('fake-sdp:', ''));
		const local = this.#channel;
		if (!answerer || !local) return;
		// "ICE" succeeded: open the channel pair.
		setTimeout(() => {
			const remote = new FakeDataChannel(local.label);
			local.peer = remote;
			remote.peer = local;
			answerer.ondatachannel?.({ channel: remote });
			this.#setState('connected');
			answerer.#setState('connected');
			local.open();
			remote.open();
		}, 2);
	}

	async addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
		this.candidates.push(candidate);
	}

	close(): void {
		this.#channel?.close();
		this.connectionState = 'closed';
		registry.delete(this.id);
	}

	/** Simulates the network path dying. */
	fail(): void {
		this.#setState('failed');
	}

	#setState(state: RTCPeerConnectionState): void {
		this.connectionState = state;
		this.onconnectionstatechange?.();
	}
}

export const FakeRTCPeerConnection = FakePeerConnection as unknown as typeof globalThis.RTCPeerConnection;

export function openConnections(): FakePeerConnection[] {
	return [...registry.values()];
}
