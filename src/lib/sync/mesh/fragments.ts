/**
 * Splitting sealed packets into pieces and joining them again. Chromium refuses
 * WebRTC data-channel messages above ~256 KiB and the relay server caps its
 * WebSocket messages, while a 4 MiB artifact chunk or a first sync is one
 * packet, so every packet is sent as pieces (WebRTC: 64 KiB, relay: 1 MiB).
 *
 * Piece layout:
 *   u8   flags: FIRST (1) | LAST (2)
 *   u32  total message length, big-endian — only in the FIRST piece
 *   ...  the next slice of the message
 *
 * The channel is ordered and reliable and the sender writes the pieces of one
 * message back to back, so pieces need no message id: a FIRST starts a message,
 * a LAST ends it. The length up front lets the receiver refuse oversized
 * messages before buffering them and check that nothing was lost.
 */
import { MalformedFrameError } from './errors';

/**
 * 64 KiB: well under Chromium's 256 KiB message limit and Firefox's, and large
 * enough that the per-piece header and send calls are noise (a 4 MiB chunk is 64 pieces).
 */
export const FRAGMENT_BYTES = 64 * 1024;
/**
 * The largest packet a receiver will reassemble. The first sync of a big
 * workspace is one Yjs update (a 10,000-run workspace with 200 open tails is
 * ~14 MB), so the cap is generous; it still refuses a length claim that would
 * exhaust memory (only key holders can send packets at all).
 */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

const FIRST = 1;
const LAST = 2;
const FIRST_HEADER_BYTES = 5;
const HEADER_BYTES = 1;

export function fragment(message: Uint8Array, pieceBytes: number = FRAGMENT_BYTES): Uint8Array<ArrayBuffer>[] {
	if (pieceBytes <= FIRST_HEADER_BYTES) throw new RangeError(`pieceBytes must exceed the ${FIRST_HEADER_BYTES}-byte header`);
	if (message.length > 0xffffffff) throw new RangeError('a message longer than 4 GiB cannot be framed');
	const pieces: Uint8Array<ArrayBuffer>[] = [];
	let offset = 0;
	do {
		const first = offset === 0;
		const header = first ? FIRST_HEADER_BYTES : HEADER_BYTES;
		const take = Math.min(pieceBytes - header, message.length - offset);
		const last = offset + take === message.length;
		const piece = new Uint8Array(header + take);
		piece[0] = (first ? FIRST : 0) | (last ? LAST : 0);
		if (first) new DataView(piece.buffer).setUint32(1, message.length);
		piece.set(message.subarray(offset, offset + take), header);
		pieces.push(piece);
		offset += take;
	} while (offset < message.length);
	return pieces;
}

/** Joins pieces from one channel. push() returns the whole message when its LAST piece arrives. */
export class Reassembler {
	readonly #maxMessageBytes: number;
	#buffer: Uint8Array<ArrayBuffer> | null = null;
	#filled = 0;

	constructor(maxMessageBytes: number = MAX_MESSAGE_BYTES) {
		this.#maxMessageBytes = maxMessageBytes;
	}

	/** Throws MalformedFrameError (and forgets any partial message) on a piece that breaks the layout. */
	push(piece: Uint8Array): Uint8Array<ArrayBuffer> | null {
		try {
			return this.#push(piece);
		} catch (error) {
			this.reset();
			throw error;
		}
	}

	reset(): void {
		this.#buffer = null;
		this.#filled = 0;
	}

	#push(piece: Uint8Array): Uint8Array<ArrayBuffer> | null {
		if (piece.length < HEADER_BYTES) throw new MalformedFrameError('an empty WebRTC fragment');
		const flags = piece[0] ?? 0;
		if (flags & ~(FIRST | LAST)) throw new MalformedFrameError(`unknown fragment flags ${flags}`);
		let body: Uint8Array;
		if (flags & FIRST) {
			if (this.#buffer) throw new MalformedFrameError('a new message started before the previous one ended');
			if (piece.length < FIRST_HEADER_BYTES) throw new MalformedFrameError('a first fragment without its length');
			const total = new DataView(piece.buffer, piece.byteOffset, piece.byteLength).getUint32(1);
			if (total > this.#maxMessageBytes) throw new MalformedFrameError(`a message of ${total} bytes exceeds the ${this.#maxMessageBytes}-byte limit`);
			this.#buffer = new Uint8Array(total);
			this.#filled = 0;
			body = piece.subarray(FIRST_HEADER_BYTES);
		} else {
			if (!this.#buffer) throw new MalformedFrameError('a continuation fragment without a first one');
			body = piece.subarray(HEADER_BYTES);
		}
		const buffer = this.#buffer;
		if (this.#filled + body.length > buffer.length) throw new MalformedFrameError('fragments longer than the announced message');
		buffer.set(body, this.#filled);
		this.#filled += body.length;
		if (!(flags & LAST)) return null;
		if (this.#filled !== buffer.length) throw new MalformedFrameError(`a message ended after ${this.#filled} of ${buffer.length} bytes`);
		this.reset();
		return buffer;
	}
}
