/**
 * The ingest pipeline without its environment: split a file into
 * content-addressed chunks, store the chunks the device lacks, and compute the
 * whole-file SHA-256. ingest.worker.ts runs it in a Web Worker (with the
 * whole-file hash on a second thread); Node tests and `inProcessIngest` call it
 * directly.
 *
 * Where the time goes (1 GiB, Chromium 156, this project's 2-core machine;
 * bench/artifacts.mjs measures it and attributes CPU per thread):
 * - The whole-file SHA-256 must be streamed and WebCrypto's digest is one-shot,
 *   so it runs in WebAssembly (sha256-wasm.ts): ≈ 3.2 CPU-seconds, one core,
 *   a little less than coreutils' sha256sum takes. No other thread can share
 *   it.
 * - Chunk hashes: `crypto.subtle.digest` (SHA-NI) ≈ 1.2–1.6 CPU-seconds, on
 *   the calling thread in Chromium (not a thread of its own). About a third
 *   is the kernel faulting in the copy Chromium makes of each 4 MiB input
 *   (fresh memory each time; digests of ≤ 512 KiB inputs showed none).
 * - Reading the File costs CPU on both sides of the process boundary, ≈ 1
 *   CPU-second in the browser and a little in this thread, which reads into
 *   a handful of reused buffers (piece-reader.ts): reading into a fresh buffer
 *   per piece, the reading thread's CPU time for 1 GiB was 2.5–2.7 s in an
 *   ingest and ≈ 1 s in a plain hash, now ≈ 1.9 and ≈ 0.4.
 * - Writing chunks: a 4 MiB Blob that is a slice of the source File costs
 *   Chromium's IndexedDB ≈ 1–1.5 CPU-seconds a GiB (≈ 4 once the origin already
 *   holds a few GiB); a new Blob made from bytes in the page ≈ 9 (copied through
 *   the blob registry). Chunks of a Blob source are therefore stored as
 *   `source.slice(…)`: the same immutable snapshot that was hashed (Chromium
 *   fails the read, and so the put, if the file changed on disk since it was
 *   picked), and every read of a chunk verifies its hash anyway.
 * - Writes trail the hashing (ChunkStore.storeBehind, chunk-store.ts):
 *   IndexedDB runs a read only after the writes queued before it, so checking
 *   "is this chunk stored?" in line stalled the hash on every write.
 * - Re-logging a file whose chunks are all stored skips the whole-file hash
 *   when the file-digest cache (file-digest-cache.ts) knows its chunk list: the
 *   chunk hashes pin the bytes, so the cached SHA-256 is the file's. What is
 *   left is reading and chunk-hashing, and those split: once the first piece
 *   turns out stored, the rest of the file is scanned in two halves at once,
 *   one on this thread and one on `deps.scanChunks` (the worker's hashing
 *   thread, idle then), with the existence checks trailing (scanStored,
 *   ingest-scan.ts). The first chunk the store lacks stops the scan and the
 *   file is stored and hashed as it goes, as a new one. A new file pays only
 *   for its first piece being read alone.
 */
import { ARTIFACT_CHUNK_BYTES, EMPTY_SHA256 } from '$lib/core/artifacts';
import { InvalidFieldError } from '$lib/core/errors';
import type { CairnDb } from '$lib/store/db';
import { ChunkStore } from './chunk-store';
import { fileDigestCacheOf, fileDigestKey, type FileDigestCache } from './file-digest-cache';
import { throwIfAborted } from './ingest-errors';
import { inlineHasher, sha256Hex, type ChunkScanner, type CreateHasher, type StreamHasher } from './ingest-hashing';
import { scanStored } from './ingest-scan';
import { isRemoteBytes, PIECE_BYTES, PieceBuffers, readPieces, readWhole, sizeOf, type IngestSource } from './piece-reader';

export { FILE_DIGESTS_TABLE, fileDigestCacheOf, fileDigestKey, type FileDigestCache } from './file-digest-cache';
export { IngestCancelledError, SourceChangedError, StorageQuotaError } from './ingest-errors';
export { inlineHasher, scanChunks, sha256Hex, type ChunkScanner, type CreateHasher, type StreamHasher } from './ingest-hashing';
export { isRemoteBytes, PIECE_BYTES, sizeOf, type IngestSource, type RemoteBytes } from './piece-reader';

export interface IngestResult {
	size: number;
	/** SHA-256 of all the bytes: what `sha256sum` prints. */
	sha256: string;
	/** SHA-256 of each chunk, in order; [] for 0 bytes. */
	chunks: string[];
	/** Chunks this ingest wrote (the others were already stored: dedup). */
	newChunks: number;
	newBytes: number;
}

export interface IngestDeps {
	db: CairnDb;
	now: () => number;
	/** Chunk size; tests use small ones. Defaults to ARTIFACT_CHUNK_BYTES. */
	chunkBytes?: number;
	/** Bytes read at once from a Blob; rounded to whole chunks. Defaults to PIECE_BYTES. */
	pieceBytes?: number;
	/** Bytes processed so far (monotonic, ends at the size). */
	onProgress?: (bytesDone: number) => void;
	signal?: { readonly aborted: boolean };
	/** The file's name, for error messages. */
	label?: string;
	/** Where the whole-file hash runs; defaults to sha256-wasm on this thread. */
	createHasher?: CreateHasher;
	/** Defaults to the db's `fileDigests` table when the schema has one; null turns the cache off. */
	digestCache?: FileDigestCache | null;
	/**
	 * Where the second half of a re-logged file's chunks is hashed (see
	 * scanStored); the worker passes its hashing thread, idle then. Defaults to
	 * `scanChunks` on this thread, interleaved with the first half.
	 */
	scanChunks?: ChunkScanner;
}

/**
 * Up to this size `hashBytes` reads the whole file into memory and uses one
 * WebCrypto digest (SHA-NI, ≈ 3× the streamed hash) instead of streaming.
 * Peak memory is about twice this (the buffer and WebCrypto's copy of it).
 */
export const ONE_SHOT_MAX_BYTES = 256 * 1024 * 1024;

function checkChunkBytes(chunkBytes: number) {
	if (!Number.isInteger(chunkBytes) || chunkBytes < 64 || chunkBytes > 256 * 1024 * 1024)
		throw new InvalidFieldError('chunkBytes', `expected an integer from 64 to 256 MiB, got ${chunkBytes}`);
}

/**
 * Stores `source` as content-addressed chunks and returns its manifest.
 * A chunk already in `blobChunks` is not rewritten (dedup; a re-logged file
 * resumes). Nothing here is visible until the caller commits a version that
 * references the chunks.
 */
export async function ingestBytes(source: IngestSource, deps: IngestDeps): Promise<IngestResult> {
	const { db, signal, label } = deps;
	const chunkBytes = deps.chunkBytes ?? ARTIFACT_CHUNK_BYTES;
	checkChunkBytes(chunkBytes);
	const pieceBytes = Math.max(1, Math.floor((deps.pieceBytes ?? PIECE_BYTES) / chunkBytes)) * chunkBytes;
	const size = sizeOf(source);
	throwIfAborted(signal, label);
	if (size === 0) {
		deps.onProgress?.(0);
		return { size: 0, sha256: EMPTY_SHA256, chunks: [], newChunks: 0, newBytes: 0 };
	}

	// Whole-file hash strategy. Bytes already in memory and small enough: one
	// WebCrypto digest, started now (it copies its input at once) and running
	// beside the chunk work. Otherwise (Blobs, RemoteBytes, large arrays) a
	// streamed hasher, which — when a digest cache exists — starts only at the
	// first chunk the store lacks: a file whose chunks are all stored may be
	// known already.
	const oneShot = !(source instanceof Blob) && !isRemoteBytes(source) && size <= ONE_SHOT_MAX_BYTES ? sha256Hex(source) : undefined;
	oneShot?.catch(() => {});
	const cache = oneShot ? undefined : deps.digestCache === null ? undefined : (deps.digestCache ?? fileDigestCacheOf(db));
	// The job's piece buffers: the hasher gives back the ones it takes.
	const buffers = new PieceBuffers(pieceBytes);
	let hasher: StreamHasher | undefined;
	const startHasher = async () => (hasher = await (deps.createHasher ?? inlineHasher)(buffers.give));
	/** Feeds [from, to) of the source to the hasher, re-reading it (catching up after a probe). */
	const feedRange = async (h: StreamHasher, from: number, to: number) => {
		for await (const piece of readPieces(source, from, to, pieceBytes, { buffers })) {
			throwIfAborted(signal, label);
			h.update(piece.bytes, piece.owned);
			await h.ready?.();
		}
	};
	if (!oneShot && !cache) await startHasher();

	const chunks: string[] = [];
	const store = new ChunkStore({ db, source, size, chunkBytes, now: deps.now, signal, label });

	let bytesDone = 0;
	/** Progress never goes back (a scan that finds a missing chunk reported bytes the main loop reaches again later). */
	let reported = 0;
	function report(bytes: number) {
		if (bytes <= reported) return;
		reported = bytes;
		deps.onProgress?.(bytes);
	}
	/** Every chunk is known stored (scanStored): the chunk list is complete. */
	let allStored = false;
	try {
		// Without a hasher the first piece decides whether the file may be stored already (then it is scanned, not read on).
		for await (const piece of readPieces(source, 0, size, pieceBytes, { probe: !hasher && !oneShot, buffers })) {
			throwIfAborted(signal, label);
			store.failOnPutError();
			const views: Uint8Array<ArrayBuffer>[] = [];
			for (let at = 0; at < piece.bytes.length; at += chunkBytes) views.push(piece.bytes.subarray(at, at + chunkBytes));
			// Lengths now: a hashing thread may take (detach) the piece's buffer before the writes run.
			const lengths = views.map((v) => v.length);
			const pieceEnd = piece.offset + piece.bytes.length;
			// WebCrypto copies its input when called, so the hasher may take the buffer once these are started.
			const hashes = await Promise.all(views.map((v) => sha256Hex(v)));
			chunks.push(...hashes);
			if (hasher || oneShot) {
				await store.storeBehind(piece.offset, hashes, lengths, views);
			} else if (await store.storeNew(piece.offset, hashes, lengths, views)) {
				// The first chunk the store lacks: the file is new (or resumed); hash what came before.
				await feedRange(await startHasher(), 0, piece.offset);
			} else if (piece.offset === 0 && pieceEnd < size && (source instanceof Blob || isRemoteBytes(source))) {
				// The first piece is all stored: likely a re-logged file. Hash the rest's chunks two at a time.
				const rest = await scanStored(source, pieceEnd, { db, size, chunkBytes, pieceBytes, signal, label, report, scanChunks: deps.scanChunks });
				if (rest) {
					chunks.push(...rest);
					allStored = true;
					break;
				}
				// Some chunk is missing: hash the whole file as it goes, from this (first) piece on.
				await startHasher();
			}
			// Last use of the piece's bytes here: a hasher on another thread may take its buffer now.
			if (hasher) {
				hasher.update(piece.bytes, piece.owned);
				await hasher.ready?.();
			}
			bytesDone = pieceEnd;
			report(bytesDone);
		}
		if (allStored) {
			store.markAllStored(chunks);
			bytesDone = size;
			report(size);
		}
		await store.settle();
		store.failOnPutError();
		throwIfAborted(signal, label);

		let sha256: string;
		const key = cache ? await fileDigestKey(size, chunkBytes, chunks) : undefined;
		let known: string | undefined;
		if (oneShot) sha256 = await oneShot;
		else if (hasher) sha256 = await hasher.digest();
		else {
			// Every chunk was already stored. A cache hit means the file was hashed before.
			known = cache && key ? await cache.get(key) : undefined;
			if (known) sha256 = known;
			else {
				const h = await startHasher();
				await feedRange(h, 0, size);
				sha256 = await h.digest();
			}
		}
		throwIfAborted(signal, label);
		if (cache && key && !known) await cache.put(key, sha256);
		return { size, sha256, chunks, newChunks: store.newChunks, newBytes: store.newBytes };
	} catch (error) {
		// Let writes already handed to IndexedDB finish (they stay unreferenced until
		// a version commits them; the GC sweeps them after its grace period).
		await store.settle();
		throw store.failure(error);
	}
}

export interface HashDeps {
	onProgress?: (bytesDone: number) => void;
	signal?: { readonly aborted: boolean };
	label?: string;
	createHasher?: CreateHasher;
	/** Defaults to ONE_SHOT_MAX_BYTES. */
	oneShotMaxBytes?: number;
	pieceBytes?: number;
}

/**
 * The SHA-256 of `source` without storing it (e.g. to check a dataset reference
 * against a local file). Files up to `oneShotMaxBytes` are read into one buffer
 * and digested by WebCrypto; larger ones are streamed with bounded memory.
 */
export async function hashBytes(source: IngestSource, deps: HashDeps = {}): Promise<{ size: number; sha256: string }> {
	const { signal, label } = deps;
	const size = sizeOf(source);
	const pieceBytes = deps.pieceBytes ?? PIECE_BYTES;
	throwIfAborted(signal, label);
	if (size === 0) return { size, sha256: EMPTY_SHA256 };
	if (size <= (deps.oneShotMaxBytes ?? ONE_SHOT_MAX_BYTES)) {
		const whole =
			source instanceof Blob || isRemoteBytes(source)
				? await readWhole(
						source,
						(bytesDone) => {
							throwIfAborted(signal, label);
							deps.onProgress?.(bytesDone);
						},
						pieceBytes
					)
				: ((source instanceof Uint8Array ? source : new Uint8Array(source)) as Uint8Array<ArrayBuffer>);
		const sha256 = await sha256Hex(whole);
		throwIfAborted(signal, label);
		deps.onProgress?.(size);
		return { size, sha256 };
	}
	const buffers = new PieceBuffers(pieceBytes);
	const hasher = await (deps.createHasher ?? inlineHasher)(buffers.give);
	for await (const piece of readPieces(source, 0, size, pieceBytes, { buffers })) {
		throwIfAborted(signal, label);
		const pieceEnd = piece.offset + piece.bytes.length;
		hasher.update(piece.bytes, piece.owned);
		await hasher.ready?.();
		deps.onProgress?.(pieceEnd);
	}
	const sha256 = await hasher.digest();
	throwIfAborted(signal, label);
	return { size, sha256 };
}
