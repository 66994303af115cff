/**
 * The parallel scan of a re-logged file: once its first piece turns out
 * stored, the rest's chunks are hashed in two halves at once and checked
 * against the store, so a file stored whole needs no whole-file hash when the
 * file-digest cache knows it.
 */
import type { CairnDb } from '$lib/store/db';
import { storedHashes } from './chunk-store';
import { scanChunks, type ChunkScanner } from './ingest-hashing';
import { throwIfAborted, type CancelSignal } from './ingest-errors';
import type { IngestSource } from './piece-reader';

export interface ScanOptions {
	db: CairnDb;
	size: number;
	chunkBytes: number;
	pieceBytes: number;
	signal?: CancelSignal;
	label?: string;
	/** Bytes scanned so far (the caller keeps progress monotonic). */
	report: (bytesDone: number) => void;
	/** Where the second half is hashed; defaults to `scanChunks` on this thread, interleaved with the first half. */
	scanChunks?: ChunkScanner | undefined;
}

/**
 * Whether every chunk of [from, size) is stored, hashing the two halves at
 * once (here and on `opts.scanChunks`): the chunk hashes of a re-logged file,
 * whose first piece was all stored, then (if its digest is cached) no
 * whole-file hash. Stops at the first chunk the store lacks and says so with
 * undefined (the file is new or partly stored: it gets hashed as it goes).
 * Stores nothing: the caller accounts for the chunks (ChunkStore.markAllStored).
 */
export async function scanStored(source: IngestSource, from: number, opts: ScanOptions): Promise<string[] | undefined> {
	const { db, size, chunkBytes, pieceBytes, signal, label, report } = opts;
	const count = Math.ceil((size - from) / chunkBytes);
	const mid = Math.min(size, from + Math.ceil(count / 2) * chunkBytes);
	const hashes: string[] = new Array<string>(count);
	let stop = false;
	let scanned = from;
	let checks: Promise<void> = Promise.resolve();
	const onPiece = (offset: number, pieceHashes: string[]) => {
		if (stop || signal?.aborted) return !(stop = true);
		for (const [i, hash] of pieceHashes.entries()) hashes[(offset - from) / chunkBytes + i] = hash;
		scanned += Math.min(size, offset + pieceHashes.length * chunkBytes) - offset;
		report(scanned);
		// Existence checks trail the hashing (no writes are queued, so they answer at once).
		checks = checks.then(async () => {
			if (stop) return;
			const present = await storedHashes(db, pieceHashes);
			if (pieceHashes.some((h) => !present.has(h))) stop = true;
		});
		return !stop;
	};
	const halves = [scanChunks(source, from, mid, chunkBytes, pieceBytes, onPiece)];
	if (mid < size) halves.push((opts.scanChunks ?? scanChunks)(source, mid, size, chunkBytes, pieceBytes, onPiece));
	const outcomes = await Promise.allSettled(halves);
	await checks;
	throwIfAborted(signal, label);
	for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
	return stop ? undefined : hashes;
}
