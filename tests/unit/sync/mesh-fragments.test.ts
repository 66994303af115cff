/** WebRTC framing: fragment() and Reassembler, round trips (seeded) and every way a piece can be wrong. */
import { describe, expect, test } from 'vitest';
import { MalformedFrameError } from '$lib/sync/mesh/errors';
import { FRAGMENT_BYTES, MAX_MESSAGE_BYTES, Reassembler, fragment } from '$lib/sync/mesh/fragments';
import { rng } from '../helpers';

function randomBytes(length: number, next: () => number): Uint8Array {
	const bytes = new Uint8Array(length);
	for (let i = 0; i < length; i++) bytes[i] = Math.floor(next() * 256);
	return bytes;
}

/** Byte equality without vitest's element-by-element deep diff (slow on megabytes). */
function same(a: Uint8Array | null, b: Uint8Array): boolean {
	return a !== null && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function roundTrip(message: Uint8Array, pieceBytes?: number): Uint8Array {
	const pieces = fragment(message, pieceBytes);
	const reassembler = new Reassembler();
	const out: Uint8Array[] = [];
	for (const piece of pieces) {
		expect(piece.length).toBeLessThanOrEqual(pieceBytes ?? FRAGMENT_BYTES);
		const whole = reassembler.push(piece);
		if (whole) out.push(whole);
	}
	expect(out).toHaveLength(1);
	return out[0]!;
}

describe('fragment / Reassembler', () => {
	test('round-trips messages at the edges of the piece size', () => {
		const piece = 64;
		for (const length of [0, 1, piece - 5, piece - 4, piece - 1, piece, piece + 1, 2 * piece - 6, 2 * piece - 5, 10 * piece + 3]) {
			const message = Uint8Array.from({ length }, (_, i) => i & 0xff);
			expect(same(roundTrip(message, piece), message), `length ${length}`).toBe(true);
		}
	});

	test('a 4 MiB chunk becomes 64 KiB pieces, all under Chromium’s 256 KiB limit', () => {
		const message = new Uint8Array(4 * 1024 * 1024 + 45).map((_, i) => (i * 7) & 0xff);
		const pieces = fragment(message);
		expect(pieces.length).toBe(Math.ceil((message.length + 5) / (FRAGMENT_BYTES - 1)));
		expect(Math.max(...pieces.map((p) => p.length))).toBe(FRAGMENT_BYTES);
		expect(same(roundTrip(message), message)).toBe(true);
	});

	test('seeded fuzz: many messages back to back through one reassembler', () => {
		const seed = 20261126;
		const next = rng(seed);
		const reassembler = new Reassembler();
		for (let round = 0; round < 200; round++) {
			const message = randomBytes(Math.floor(next() * 3000), next);
			const pieceBytes = 6 + Math.floor(next() * 500);
			let whole: Uint8Array | null = null;
			for (const piece of fragment(message, pieceBytes)) {
				expect(whole, `seed ${seed} round ${round}: message ended early`).toBeNull();
				whole = reassembler.push(piece);
			}
			expect(same(whole, message), `seed ${seed} round ${round}`).toBe(true);
		}
	});

	test('rejects broken piece sequences, then recovers on the next message', () => {
		const message = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
		const [first, second, third] = fragment(message, 128);
		const cases: [string, Uint8Array[], RegExp][] = [
			['continuation without a first piece', [second!], /without a first one/],
			['a new first piece mid-message', [first!, first!], /before the previous one ended/],
			['an empty piece', [new Uint8Array(0)], /empty/],
			['unknown flags', [Uint8Array.of(0x80, 1, 2)], /unknown fragment flags/],
			['a first piece without its length', [Uint8Array.of(1, 0, 0)], /without its length/],
			['more bytes than announced', [first!, second!, second!, third!], /longer than the announced/],
			['ended early', [first!, Uint8Array.of(2, 9, 9)], /ended after/],
			['an oversized claim', [Uint8Array.of(1, 0xff, 0xff, 0xff, 0xff)], /exceeds the/]
		];
		for (const [what, pieces, error] of cases) {
			const reassembler = new Reassembler();
			const attempt = () => {
				for (const piece of pieces) reassembler.push(piece);
			};
			expect(attempt, what).toThrow(MalformedFrameError);
			expect(attempt, what).toThrow(error);
			// The broken message is forgotten; a good one afterwards arrives whole.
			const again = new Reassembler();
			expect(() => pieces.forEach((p) => again.push(p))).toThrow();
			let whole: Uint8Array | null = null;
			for (const piece of fragment(message, 128)) whole = again.push(piece);
			expect(same(whole, message), what).toBe(true);
		}
		expect(MAX_MESSAGE_BYTES).toBeGreaterThan(4 * 1024 * 1024);
	});
});
