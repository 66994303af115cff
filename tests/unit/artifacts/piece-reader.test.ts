import { afterEach, describe, expect, it, vi } from 'vitest';
import { PieceBuffers, readPieces, readWhole, REMOTE_READ_BYTES, type IngestSource } from '$lib/workers/piece-reader';
import { remoteBytesOf, rng } from '../helpers';

const PIECE = 1024;

function randomBytes(seed: number, n: number): Uint8Array<ArrayBuffer> {
	const rand = rng(seed);
	return Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
}

async function collect(source: IngestSource, start: number, end: number, buffers?: PieceBuffers) {
	const pieces: { offset: number; bytes: Uint8Array }[] = [];
	for await (const piece of readPieces(source, start, end, PIECE, { buffers })) pieces.push({ offset: piece.offset, bytes: piece.bytes.slice() });
	return pieces;
}

afterEach(() => {
	vi.restoreAllMocks();
});

describe('RemoteBytes', () => {
	it('are read in ranges of at most REMOTE_READ_BYTES into reused piece buffers, and whole', async () => {
		const pieceBytes = 4 * REMOTE_READ_BYTES;
		const big = new Uint8Array(2 * pieceBytes + 5);
		for (let at = 0; at < big.length; at += 4096) big[at] = (at / 4096) & 255;
		big[big.length - 1] = 99;
		const remote = remoteBytesOf(big);
		const buffers = new PieceBuffers(pieceBytes);
		const out = new Uint8Array(big.length);
		const offsets: number[] = [];
		for await (const piece of readPieces(remote, 0, big.length, pieceBytes, { buffers })) {
			expect(piece.owned).toBe(true);
			offsets.push(piece.offset);
			out.set(piece.bytes, piece.offset);
		}
		// Compared as Buffers: toEqual walks a 32 MiB array entry by entry (out of memory).
		expect(Buffer.from(out).equals(Buffer.from(big))).toBe(true);
		expect(offsets).toEqual([0, pieceBytes, 2 * pieceBytes]);
		expect(Math.max(...remote.reads)).toBe(REMOTE_READ_BYTES);
		expect(remote.reads.reduce((a, b) => a + b, 0)).toBe(big.length);
		expect(buffers.allocated).toBeLessThanOrEqual(3);

		const whole = remoteBytesOf(big);
		expect(Buffer.from(await readWhole(whole)).equals(Buffer.from(big))).toBe(true);
		expect(Math.max(...whole.reads)).toBe(REMOTE_READ_BYTES);
		expect(await readWhole(remoteBytesOf(new Uint8Array(0)))).toEqual(new Uint8Array(0));
	});

	it('yield a middle range from its own offset', async () => {
		const bytes = randomBytes(8, 10 * PIECE + 3);
		const pieces = await collect(remoteBytesOf(bytes), 2 * PIECE + 1, 7 * PIECE);
		const joined = new Uint8Array(7 * PIECE - 2 * PIECE - 1);
		for (const p of pieces) joined.set(p.bytes, p.offset - (2 * PIECE + 1));
		expect(joined).toEqual(bytes.subarray(2 * PIECE + 1, 7 * PIECE));
	});
});

describe('readPieces', () => {
	it('yields the bytes of a range in order, from a Blob and from memory, the last piece short', async () => {
		const bytes = randomBytes(1, 10 * PIECE + 17);
		for (const [start, end] of [
			[0, bytes.length],
			[3 * PIECE, bytes.length],
			[PIECE, 4 * PIECE],
			[0, 0]
		] as const) {
			for (const source of [new Blob([bytes]), bytes]) {
				const pieces = await collect(source, start, end);
				expect(pieces.map((p) => p.offset)).toEqual(Array.from({ length: Math.ceil((end - start) / PIECE) }, (_, i) => start + i * PIECE));
				const joined = new Uint8Array(end - start);
				for (const p of pieces) joined.set(p.bytes, p.offset - start);
				expect(joined).toEqual(bytes.subarray(start, end));
			}
		}
	});

	it('reads a long Blob through a handful of buffers, reusing the ones given back or left', async () => {
		const bytes = randomBytes(2, 40 * PIECE);
		const buffers = new PieceBuffers(PIECE);
		const out = new Uint8Array(bytes.length);
		let taken = 0;
		for await (const piece of readPieces(new Blob([bytes]), 0, bytes.length, PIECE, { buffers })) {
			out.set(piece.bytes, piece.offset);
			// Every other piece is taken away (as a hashing thread does) and given back
			// later; the consumer waits for the return as the hasher's queue bound makes it.
			if (piece.offset % (2 * PIECE) === 0) {
				const moved = structuredClone(piece.bytes.buffer, { transfer: [piece.bytes.buffer] });
				taken++;
				setTimeout(() => buffers.give(moved), 0);
				await new Promise((resolve) => setTimeout(resolve, 0));
			}
		}
		expect(out).toEqual(bytes);
		expect(taken).toBe(20);
		// Two reads ahead, the piece in hand and one on its way back: not one buffer per piece.
		expect(buffers.allocated).toBeLessThanOrEqual(4);
	});

	it('stops reading when the consumer stops early', async () => {
		const bytes = randomBytes(3, 20 * PIECE);
		let seen = 0;
		for await (const piece of readPieces(new Blob([bytes]), 0, bytes.length, PIECE)) {
			expect(piece.bytes).toEqual(bytes.subarray(0, PIECE));
			seen++;
			break;
		}
		expect(seen).toBe(1);
	});

	it('reads by slices where Blob streams do not take buffers (no BYOB reader)', async () => {
		const byob = vi.spyOn(Blob.prototype, 'stream').mockImplementation(() => new ReadableStream<Uint8Array<ArrayBuffer>>());
		const bytes = randomBytes(5, 7 * PIECE + 5);
		const pieces = await collect(new Blob([bytes]), PIECE, bytes.length);
		const joined = new Uint8Array(bytes.length - PIECE);
		for (const p of pieces) joined.set(p.bytes, p.offset - PIECE);
		expect(joined).toEqual(bytes.subarray(PIECE));
		expect(await readWhole(new Blob([bytes]), undefined, PIECE)).toEqual(bytes);
		expect(byob).toHaveBeenCalled();
	});

	it('refuses buffers made for another piece size', async () => {
		const pieces = readPieces(new Blob([new Uint8Array(10)]), 0, 10, PIECE, { buffers: new PieceBuffers(2 * PIECE) });
		await expect(pieces.next()).rejects.toThrow(RangeError);
	});
});

describe('readWhole', () => {
	it('reads a Blob into one buffer, reporting progress as it goes', async () => {
		for (const size of [0, 1, PIECE, 5 * PIECE + 3]) {
			const bytes = randomBytes(4, size);
			const progress: number[] = [];
			const whole = await readWhole(new Blob([bytes]), (n) => progress.push(n), PIECE);
			expect(whole).toEqual(bytes);
			expect(whole.buffer.byteLength).toBe(size);
			expect(progress).toEqual(Array.from({ length: Math.ceil(size / PIECE) }, (_, i) => Math.min(size, (i + 1) * PIECE)));
		}
	});
});
