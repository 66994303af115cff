/**
 * The hashes an ingest computes: one-shot SHA-256 (WebCrypto; chunk hashes),
 * the streamed whole-file hasher, and the chunk scanner that hashes a range of
 * a source piece by piece.
 */
import { readPieces, type IngestSource } from './piece-reader';
import { createSha256 } from './sha256-wasm';

/** A whole-file SHA-256 fed in order. Inline (sha256-wasm) by default; the worker passes one running on another thread. */
export interface StreamHasher {
	/**
	 * Adds bytes. With `owned` the hasher may keep or transfer `bytes.buffer`
	 * (it was read for this ingest and the caller is done with it); otherwise it
	 * must copy what it keeps.
	 */
	update(bytes: Uint8Array, owned: boolean): void;
	/** Resolves when the hasher can take more (bounds the bytes queued for another thread). */
	ready?(): Promise<void>;
	digest(): Promise<string>;
}

/**
 * Starts a StreamHasher. `recycle` takes back the buffers of owned pieces the
 * hasher took, once hashed (the reader reads into them again: PieceBuffers).
 */
export type CreateHasher = (recycle?: (buffer: ArrayBuffer) => void) => Promise<StreamHasher>;

/** The SHA-256 of bytes in lowercase hex, via WebCrypto (one shot). */
export async function sha256Hex(bytes: Uint8Array | ArrayBuffer): Promise<string> {
	const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
	let hex = '';
	for (const b of digest) hex += b.toString(16).padStart(2, '0');
	return hex;
}

/** The inline whole-file hasher: sha256-wasm on the calling thread. */
export const inlineHasher: CreateHasher = async () => {
	const sha = await createSha256();
	return {
		update: (bytes) => void sha.update(bytes),
		digest: async () => sha.digest()
	};
};

/**
 * Hashes the chunks of [start, end) of `source` (start on a chunk boundary),
 * calling `onPiece` with each piece's chunk hashes in order; stops early once
 * it answers false.
 */
export type ChunkScanner = (
	source: IngestSource,
	start: number,
	end: number,
	chunkBytes: number,
	pieceBytes: number,
	onPiece: (offset: number, hashes: string[]) => boolean | Promise<boolean>
) => Promise<void>;

/** The ChunkScanner on the calling thread. */
export const scanChunks: ChunkScanner = async (source, start, end, chunkBytes, pieceBytes, onPiece) => {
	for await (const piece of readPieces(source, start, end, pieceBytes)) {
		const hashes: Promise<string>[] = [];
		for (let at = 0; at < piece.bytes.length; at += chunkBytes) hashes.push(sha256Hex(piece.bytes.subarray(at, at + chunkBytes)));
		if (!(await onPiece(piece.offset, await Promise.all(hashes)))) return;
	}
};
