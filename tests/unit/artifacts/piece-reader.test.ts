import { afterEach, describe, expect, it, vi } from 'vitest';
import { PieceBuffers, readPieces, readWhole } from '$lib/workers/piece-reader';
import { rng } from '../helpers';

const PIECE = 1024;

function randomBytes(seed: number, n: number): Uint8Array<ArrayBuffer> {
	const rand = rng(seed);
	return Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
}

async function collect(source: Blob | Uint8Array, start: number, end: number, buffers?: PieceBuffers) {
	const pieces: { offset: number; bytes: Uint8Array }[] = [];
	for await (const piece of readPieces(source, start, end, PIECE, { buffers })) pieces.push({ offset: piece.offset, bytes: piece.bytes.slice() });
	return pieces;
}

afterEach(() => {
	vi.restoreAllMocks();
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
