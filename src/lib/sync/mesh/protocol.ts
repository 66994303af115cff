/**
 * The mesh's frames: what travels, encrypted, between two peers on any link.
 *
 * A packet (the plaintext that `encrypt` seals) is
 *
 *   u8      PROTOCOL_VERSION
 *   string  from     sender peer id           (lib0 varString)
 *   string  to       recipient peer id, '' = every peer on the link
 *   u8      frame type (FRAME_TYPE below)
 *   ...     frame payload
 *
 * Sender and recipient are repeated inside the ciphertext although every link
 * also knows them in the clear: the relay server stamps `from` on what it
 * forwards, and only the sealed copy proves that a key holder wrote it (a relay
 * cannot re-address or re-attribute a frame without it being reported).
 *
 * Payloads (lib0 encoding: varUint, varString, varUint8Array):
 *   hello           u8 flags (1 = please answer with your own hello, 2 = I accept WebRTC offers)
 *   bye             (empty) the sender is leaving: drop its awareness at once
 *   sync            varUint8Array: one y-protocols sync message (step 1, step 2 or update),
 *                   or step 1/2 in Yjs's V2 encoding (SYNC_STEP1_V2, SYNC_STEP2_V2)
 *   awareness       varUint8Array: a y-protocols awareness update
 *   awareness-query (empty) please send your awareness states
 *   state-vector    varUint8Array: Y.encodeStateVector of the sender's doc (for docsInSync)
 *   chunk-want      varUint reqId, varString hash (64 lowercase hex), u8 kind (0 metric, 1 artifact)
 *   chunk-data      varUint reqId, varString hash, varUint8Array bytes
 *   chunk-missing   varUint reqId
 *   signal          varString JSON: a WebRTC offer/answer or ICE candidate
 *
 * decodePacket validates everything (lengths, hex, ids, trailing bytes) and
 * throws MalformedFrameError; the mesh drops such frames and reports the sender.
 */
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { ARTIFACT_CHUNK_BYTES } from '$lib/core/artifacts';
import type { ChunkKind } from '../mesh-types';
import { MalformedFrameError } from './errors';

/** Bumped when the packet layout changes; a peer on another version is reported, not half-understood. */
export const PROTOCOL_VERSION = 1;

/** Random, URL-safe, and short enough that the relay's one-byte length prefix always fits. */
export const PEER_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
const HASH_PATTERN = /^[0-9a-f]{64}$/;
/** The largest chunk any Cairn store writes (artifact chunks; metric chunks are far smaller). */
export const MAX_CHUNK_BYTES = ARTIFACT_CHUNK_BYTES;
/** SDP blobs are a few KiB; anything far larger is not a signal. */
const MAX_SIGNAL_CHARS = 64 * 1024;

const FRAME_TYPE = {
	hello: 1,
	bye: 2,
	sync: 3,
	awareness: 4,
	'awareness-query': 5,
	'state-vector': 6,
	'chunk-want': 7,
	'chunk-data': 8,
	'chunk-missing': 9,
	signal: 10
} as const;
type FrameTypeName = keyof typeof FRAME_TYPE;
const FRAME_NAME = new Map<number, FrameTypeName>(Object.entries(FRAME_TYPE).map(([name, code]) => [code, name as FrameTypeName]));

const HELLO_WANTS_REPLY = 1;
const HELLO_WEBRTC = 2;
const CHUNK_KINDS: readonly ChunkKind[] = ['metric', 'artifact'];
/**
 * Our two extensions of y-protocols' sync messages (which use 0–2): sync step 1
 * asking for the answer in Yjs's V2 update encoding, and that answer. Updates
 * after the first sync stay V1 (small, and what y-indexeddb stores).
 */
export const SYNC_STEP1_V2 = 100;
export const SYNC_STEP2_V2 = 101;
/** y-protocols sync message types (step 1, step 2, update) and ours. */
const SYNC_MESSAGE_TYPES = new Set([0, 1, 2, SYNC_STEP1_V2, SYNC_STEP2_V2]);

/** WebRTC signaling, carried encrypted through the relay like every other frame. */
export type SignalMessage =
	| { kind: 'description'; description: { type: 'offer' | 'answer'; sdp: string } }
	| { kind: 'candidate'; candidate: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null; usernameFragment: string | null } };

export type Frame =
	| { type: 'hello'; wantsReply: boolean; webrtc: boolean }
	| { type: 'bye' }
	| { type: 'sync'; message: Uint8Array<ArrayBuffer> }
	| { type: 'awareness'; update: Uint8Array<ArrayBuffer> }
	| { type: 'awareness-query' }
	| { type: 'state-vector'; stateVector: Map<number, number> }
	| { type: 'chunk-want'; reqId: number; hash: string; kind: ChunkKind }
	| { type: 'chunk-data'; reqId: number; hash: string; bytes: Uint8Array<ArrayBuffer> }
	| { type: 'chunk-missing'; reqId: number }
	| { type: 'signal'; signal: SignalMessage };

export interface Packet {
	from: string;
	/** null: every peer on the link. */
	to: string | null;
	frame: Frame;
}

export function isPeerId(value: unknown): value is string {
	return typeof value === 'string' && PEER_ID_PATTERN.test(value);
}

export function encodePacket(packet: Packet): Uint8Array<ArrayBuffer> {
	const e = encoding.createEncoder();
	encoding.writeUint8(e, PROTOCOL_VERSION);
	encoding.writeVarString(e, packet.from);
	encoding.writeVarString(e, packet.to ?? '');
	const frame = packet.frame;
	encoding.writeUint8(e, FRAME_TYPE[frame.type]);
	switch (frame.type) {
		case 'hello':
			encoding.writeUint8(e, (frame.wantsReply ? HELLO_WANTS_REPLY : 0) | (frame.webrtc ? HELLO_WEBRTC : 0));
			break;
		case 'bye':
		case 'awareness-query':
			break;
		case 'sync':
			encoding.writeVarUint8Array(e, frame.message);
			break;
		case 'awareness':
			encoding.writeVarUint8Array(e, frame.update);
			break;
		case 'state-vector':
			encoding.writeVarUint8Array(e, Y.encodeStateVector(frame.stateVector));
			break;
		case 'chunk-want':
			encoding.writeVarUint(e, frame.reqId);
			encoding.writeVarString(e, frame.hash);
			encoding.writeUint8(e, CHUNK_KINDS.indexOf(frame.kind));
			break;
		case 'chunk-data':
			encoding.writeVarUint(e, frame.reqId);
			encoding.writeVarString(e, frame.hash);
			encoding.writeVarUint8Array(e, frame.bytes);
			break;
		case 'chunk-missing':
			encoding.writeVarUint(e, frame.reqId);
			break;
		case 'signal':
			encoding.writeVarString(e, JSON.stringify(frame.signal));
			break;
	}
	return encoding.toUint8Array(e) as Uint8Array<ArrayBuffer>;
}

/** Parses and validates one decrypted packet; throws MalformedFrameError. */
export function decodePacket(bytes: Uint8Array): Packet {
	const d = decoding.createDecoder(bytes);
	try {
		const version = readByte(d);
		if (version !== PROTOCOL_VERSION) throw new MalformedFrameError(`protocol version ${version}, expected ${PROTOCOL_VERSION}; update Cairn on both devices`);
		const from = decoding.readVarString(d);
		if (!isPeerId(from)) throw new MalformedFrameError('the sender id is not a peer id');
		const to = decoding.readVarString(d);
		if (to !== '' && !isPeerId(to)) throw new MalformedFrameError('the recipient id is not a peer id');
		const code = readByte(d);
		const type = FRAME_NAME.get(code);
		if (!type) throw new MalformedFrameError(`unknown frame type ${code}`);
		const frame = decodePayload(type, d);
		if (decoding.hasContent(d)) throw new MalformedFrameError(`${d.arr.length - d.pos} unexpected bytes after a ${type} frame`);
		return { from, to: to === '' ? null : to, frame };
	} catch (error) {
		if (error instanceof MalformedFrameError) throw error;
		// lib0 throws plain Errors ("Unexpected end of array", bad UTF-8, varint overflow).
		throw new MalformedFrameError(error instanceof Error ? error.message : 'it could not be parsed');
	}
}

function decodePayload(type: FrameTypeName, d: decoding.Decoder): Frame {
	switch (type) {
		case 'hello': {
			const flags = readByte(d);
			return { type, wantsReply: (flags & HELLO_WANTS_REPLY) !== 0, webrtc: (flags & HELLO_WEBRTC) !== 0 };
		}
		case 'bye':
		case 'awareness-query':
			return { type };
		case 'sync': {
			const message = copy(decoding.readVarUint8Array(d));
			if (message.length === 0 || !SYNC_MESSAGE_TYPES.has(message[0] ?? -1)) throw new MalformedFrameError('the sync message has no known y-protocols type');
			return { type, message };
		}
		case 'awareness':
			return { type, update: copy(decoding.readVarUint8Array(d)) };
		case 'state-vector': {
			const raw = decoding.readVarUint8Array(d);
			let stateVector: Map<number, number>;
			try {
				stateVector = Y.decodeStateVector(raw);
			} catch {
				throw new MalformedFrameError('the state vector does not decode');
			}
			return { type, stateVector };
		}
		case 'chunk-want': {
			const reqId = decoding.readVarUint(d);
			const hash = readHash(d);
			const kind = CHUNK_KINDS[readByte(d)];
			if (!kind) throw new MalformedFrameError('unknown chunk kind');
			return { type, reqId, hash, kind };
		}
		case 'chunk-data': {
			const reqId = decoding.readVarUint(d);
			const hash = readHash(d);
			const length = decoding.readVarUint(d);
			if (length > MAX_CHUNK_BYTES) throw new MalformedFrameError(`a chunk of ${length} bytes exceeds the ${MAX_CHUNK_BYTES}-byte limit`);
			return { type, reqId, hash, bytes: copy(decoding.readUint8Array(d, length)) };
		}
		case 'chunk-missing':
			return { type, reqId: decoding.readVarUint(d) };
		case 'signal':
			return { type, signal: parseSignal(decoding.readVarString(d)) };
	}
}

/** lib0's readUint8 returns undefined past the end instead of throwing. */
function readByte(d: decoding.Decoder): number {
	if (d.pos >= d.arr.length) throw new MalformedFrameError('it ends early');
	return decoding.readUint8(d);
}

function readHash(d: decoding.Decoder): string {
	const hash = decoding.readVarString(d);
	if (!HASH_PATTERN.test(hash)) throw new MalformedFrameError('the chunk hash is not 64 lowercase hex digits');
	return hash;
}

/** Own the bytes: a subarray would pin the whole (up to 4 MiB) packet buffer. */
function copy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
	return new Uint8Array(bytes);
}

function parseSignal(text: string): SignalMessage {
	if (text.length > MAX_SIGNAL_CHARS) throw new MalformedFrameError('the WebRTC signal is too large');
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		throw new MalformedFrameError('the WebRTC signal is not JSON');
	}
	if (isRecord(value) && value.kind === 'description' && isRecord(value.description)) {
		const { type, sdp } = value.description;
		if ((type === 'offer' || type === 'answer') && typeof sdp === 'string') return { kind: 'description', description: { type, sdp } };
	}
	if (isRecord(value) && value.kind === 'candidate' && isRecord(value.candidate)) {
		const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = value.candidate;
		if (
			typeof candidate === 'string' &&
			(sdpMid === null || typeof sdpMid === 'string') &&
			(sdpMLineIndex === null || (typeof sdpMLineIndex === 'number' && Number.isInteger(sdpMLineIndex) && sdpMLineIndex >= 0)) &&
			(usernameFragment === null || typeof usernameFragment === 'string')
		) {
			return { kind: 'candidate', candidate: { candidate, sdpMid, sdpMLineIndex, usernameFragment } };
		}
	}
	throw new MalformedFrameError('the WebRTC signal is neither a description nor an ICE candidate');
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Equal state vectors mean equal inserted content (deletions are not counted in them). */
export function sameStateVector(a: Map<number, number>, b: Map<number, number>): boolean {
	if (a.size !== b.size) return false;
	for (const [client, clock] of a) if (b.get(client) !== clock) return false;
	return true;
}
