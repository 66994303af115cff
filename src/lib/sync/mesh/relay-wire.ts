/**
 * The relay server's wire format, client side. scripts/signaling.mjs is the
 * server side and documents the same format in its header; keep them in step.
 *
 * Control messages are JSON text; the server learns only the topic (the room
 * hash) and random peer ids from them:
 *   client → server  {"type":"subscribe","topic":T,"peer":P}
 *                    {"type":"unsubscribe","topic":T}
 *                    {"type":"ping"}
 *   server → client  {"type":"pong"}
 *                    {"type":"left","topic":T,"peer":P}      P's last connection left T
 *                    {"type":"error","message":M}
 *
 * Data travels in binary frames whose payload is the client's ciphertext, which
 * the server forwards byte for byte:
 *   client → server  PUBLISH  u8 1, u8 len, topic, u8 len, to (len 0 = every other subscriber), payload…
 *   server → client  DELIVER  u8 2, u8 len, topic, u8 len, from, payload…
 * Strings are ASCII (room hashes and peer ids), at most 255 bytes.
 */
export const PUBLISH = 1;
export const DELIVER = 2;

export type RelayControl =
	| { type: 'pong' }
	| { type: 'left'; topic: string; peer: string }
	| { type: 'error'; message: string };

export function encodeSubscribe(topic: string, peer: string): string {
	return JSON.stringify({ type: 'subscribe', topic, peer });
}

export function encodePing(): string {
	return JSON.stringify({ type: 'ping' });
}

export function encodePublish(topic: string, to: string | null, payload: Uint8Array): Uint8Array<ArrayBuffer> {
	const topicBytes = ascii(topic);
	const toBytes = ascii(to ?? '');
	const frame = new Uint8Array(3 + topicBytes.length + toBytes.length + payload.length);
	let at = 0;
	frame[at++] = PUBLISH;
	frame[at++] = topicBytes.length;
	frame.set(topicBytes, at);
	at += topicBytes.length;
	frame[at++] = toBytes.length;
	frame.set(toBytes, at);
	at += toBytes.length;
	frame.set(payload, at);
	return frame;
}

/** null when the frame is not a well-formed DELIVER. */
export function decodeDeliver(frame: Uint8Array): { topic: string; from: string; payload: Uint8Array<ArrayBuffer> } | null {
	if (frame.length < 3 || frame[0] !== DELIVER) return null;
	let at = 1;
	const topicLength = frame[at++] ?? 0;
	if (at + topicLength + 1 > frame.length) return null;
	const topic = fromAscii(frame.subarray(at, at + topicLength));
	at += topicLength;
	const fromLength = frame[at++] ?? 0;
	if (at + fromLength > frame.length) return null;
	const from = fromAscii(frame.subarray(at, at + fromLength));
	at += fromLength;
	return { topic, from, payload: frame.slice(at) };
}

/** null when the text is not a control message this client understands. */
export function decodeControl(text: string): RelayControl | null {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return null;
	}
	if (typeof value !== 'object' || value === null) return null;
	const message = value as Record<string, unknown>;
	if (message.type === 'pong') return { type: 'pong' };
	if (message.type === 'left' && typeof message.topic === 'string' && typeof message.peer === 'string') {
		return { type: 'left', topic: message.topic, peer: message.peer };
	}
	if (message.type === 'error' && typeof message.message === 'string') return { type: 'error', message: message.message };
	return null;
}

function ascii(text: string): Uint8Array {
	if (text.length > 255 || !/^[\x20-\x7e]*$/.test(text)) throw new RangeError(`relay topics and peer ids are printable ASCII of at most 255 characters: ${JSON.stringify(text.slice(0, 40))}`);
	return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function fromAscii(bytes: Uint8Array): string {
	return String.fromCharCode(...bytes);
}
