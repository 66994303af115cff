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
 *   so it runs in WebAssembly (sha256-wasm.ts): ≈ 3.7 CPU-seconds, one core,
 *   about what coreutils' sha256sum takes. No other thread can share it.
 * - Chunk hashes: `crypto.subtle.digest` (SHA-NI) ≈ 1.4 CPU-seconds, on the
 *   calling thread in Chromium (not a thread of its own).
 * - Reading the File costs CPU on both sides of the process boundary:
 *   ≈ 1.6 CPU-seconds in 16 MiB reads (≈ 2.1 in 4 MiB reads), so PIECE_BYTES.
 * - Writing chunks: a 4 MiB Blob that is a slice of the source File costs
 *   Chromium's IndexedDB ≈ 1–1.5 CPU-seconds a GiB (≈ 4 once the origin already
 *   holds a few GiB); a new Blob made from bytes in the page ≈ 9 (copied through
 *   the blob registry). Chunks of a Blob source are therefore stored as
 *   `source.slice(…)`: the same immutable snapshot that was hashed (Chromium
 *   fails the read, and so the put, if the file changed on disk since it was
 *   picked), and every read of a chunk verifies its hash anyway.
 * - Writes trail the hashing (storeNew): IndexedDB runs a read only after the
 *   writes queued before it, so checking "is this chunk stored?" in line stalled
 *   the hash on every write.
 * - Re-logging a file whose chunks are all stored skips the whole-file hash
 *   when the file-digest cache (FileDigestCache) knows its chunk list: the chunk
 *   hashes pin the bytes, so the cached SHA-256 is the file's. What is left is
 *   reading and chunk-hashing, and those split: once the first piece turns out
 *   stored, the rest of the file is scanned in two halves at once, one on this
 *   thread and one on `deps.scanChunks` (the worker's hashing thread, idle
 *   then), with the existence checks trailing (scanStored). The first chunk the
 *   store lacks stops the scan and the file is stored and hashed as it goes, as
 *   a new one. A new file pays only for its first piece being read alone.
 */
import { ARTIFACT_CHUNK_BYTES, EMPTY_SHA256 } from '$lib/core/artifacts';
import { CairnError, InvalidFieldError } from '$lib/core/errors';
import type { CairnDb } from '$lib/store/db';
import { createSha256 } from './sha256-wasm';

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

export type IngestSource = Blob | ArrayBuffer | Uint8Array;

/** The caller cancelled (AbortSignal or worker `cancel()`). Chunks already written stay until the GC's grace period ends. */
export class IngestCancelledError extends CairnError {
	override readonly name: string = 'IngestCancelledError';
	constructor(label?: string) {
		super('ingest_cancelled', `${label ? `Storing "${label}"` : 'The ingest'} was cancelled; nothing was logged. Log it again to resume (chunks already stored are reused).`);
	}
}

/** The browser refused to store more bytes. Nothing becomes visible: a version commits only after every chunk is stored. */
export class StorageQuotaError extends CairnError {
	override readonly name: string = 'StorageQuotaError';
	readonly fileSize: number;
	/** Bytes of this file not yet stored on the device when the quota ran out. */
	readonly bytesNeeded: number;
	constructor(label: string | undefined, fileSize: number, bytesNeeded: number) {
		super(
			'storage_quota',
			`Not enough storage for ${label ? `"${label}"` : 'the file'} (${formatBytes(fileSize)}): about ${formatBytes(bytesNeeded)} more is needed on this device. ` +
				'Free space (delete unlocked artifact versions, or other data of this site) and log it again; chunks already stored are reused.'
		);
		this.fileSize = fileSize;
		this.bytesNeeded = bytesNeeded;
	}
}

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
 * Remembers the SHA-256 of a file by its chunk list (see `fileDigestKey`). Sound
 * because the chunk hashes fix the bytes: the same list is the same file.
 */
export interface FileDigestCache {
	get(key: string): Promise<string | undefined>;
	put(key: string, sha256: string): Promise<void>;
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
	createHasher?: () => Promise<StreamHasher>;
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
 * Hashes the chunks of [start, end) of `source` (start on a chunk boundary),
 * calling `onPiece` with each piece's chunk hashes in order; stops early once
 * it answers false.
 */
export type ChunkScanner = (
	source: Blob,
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

/**
 * 16 MiB reads: in Chromium 16 MiB `slice().arrayBuffer()` reads, two in flight,
 * ran ≈ 1.1 GB/s for ≈ 1.6 CPU-seconds a GiB, against ≈ 0.9 GB/s and ≈ 2.1 for
 * 4 MiB. Memory: two pieces being read, one being processed, plus what the
 * hasher queues (one piece behind the one it hashes: ingest.worker.ts).
 */
export const PIECE_BYTES = 16 * 1024 * 1024;
const READS_AHEAD = 2;
/**
 * Chunk writes in flight. IndexedDB serializes them anyway; a few queued keep it
 * busy while the next piece is hashed. Each holds a Blob (a file slice costs no
 * memory; a Blob made from bytes holds one chunk).
 */
const PUTS_IN_FLIGHT = 4;
/** Pieces whose chunk writes may trail the hashing (see storeNew). */
const PIECES_BEHIND = 4;
/**
 * Up to this size `hashBytes` reads the whole file into memory and uses one
 * WebCrypto digest (SHA-NI, ≈ 3× the streamed hash) instead of streaming.
 * Peak memory is about twice this (the buffer and WebCrypto's copy of it).
 */
export const ONE_SHOT_MAX_BYTES = 256 * 1024 * 1024;
/** Name of the optional table behind the default FileDigestCache (rows `{ key, sha256 }`, primary key `key`). */
export const FILE_DIGESTS_TABLE = 'fileDigests';

export function sizeOf(source: IngestSource): number {
	return source instanceof Blob ? source.size : source.byteLength;
}

/** The SHA-256 of bytes in lowercase hex, via WebCrypto (one shot). */
export async function sha256Hex(bytes: Uint8Array | ArrayBuffer): Promise<string> {
	const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
	let hex = '';
	for (const b of digest) hex += b.toString(16).padStart(2, '0');
	return hex;
}

/** Cache key of a file: SHA-256 over its size, chunk size and chunk hashes. */
export function fileDigestKey(size: number, chunkBytes: number, chunks: readonly string[]): Promise<string> {
	return sha256Hex(new TextEncoder().encode(`cairn-file-v1\n${size}\n${chunkBytes}\n${chunks.join('\n')}`));
}

/** The db-backed FileDigestCache, when the schema has FILE_DIGESTS_TABLE. */
export function fileDigestCacheOf(db: CairnDb): FileDigestCache | undefined {
	if (!db.tables.some((t) => t.name === FILE_DIGESTS_TABLE)) return undefined;
	const table = db.table<{ key: string; sha256: string }, string>(FILE_DIGESTS_TABLE);
	return {
		get: async (key) => (await table.get(key))?.sha256,
		put: async (key, sha256) => {
			await table.put({ key, sha256 });
		}
	};
}

/** The inline whole-file hasher: sha256-wasm on the calling thread. */
export async function inlineHasher(): Promise<StreamHasher> {
	const sha = await createSha256();
	return {
		update: (bytes) => void sha.update(bytes),
		digest: async () => sha.digest()
	};
}

function throwIfAborted(signal: IngestDeps['signal'], label: string | undefined) {
	if (signal?.aborted) throw new IngestCancelledError(label);
}

function checkChunkBytes(chunkBytes: number) {
	if (!Number.isInteger(chunkBytes) || chunkBytes < 64 || chunkBytes > 256 * 1024 * 1024)
		throw new InvalidFieldError('chunkBytes', `expected an integer from 64 to 256 MiB, got ${chunkBytes}`);
}

interface Piece {
	offset: number;
	bytes: Uint8Array<ArrayBuffer>;
	/** Freshly read for this call: a hasher may take its buffer. */
	owned: boolean;
}

/**
 * The bytes of [start, end) in pieces of `pieceBytes` (the last may be
 * shorter). Blobs are read READS_AHEAD pieces ahead, so the next read overlaps
 * the work on this one; in-memory sources yield views.
 */
async function* readPieces(source: IngestSource, start: number, end: number, pieceBytes: number, probe = false): AsyncGenerator<Piece> {
	if (!(source instanceof Blob)) {
		const all = source instanceof Uint8Array ? source : new Uint8Array(source);
		for (let at = start; at < end; at += pieceBytes)
			yield { offset: at, bytes: all.subarray(at, Math.min(end, at + pieceBytes)) as Uint8Array<ArrayBuffer>, owned: false };
		return;
	}
	const queue: { offset: number; read: Promise<ArrayBuffer> }[] = [];
	let next = start;
	const fill = (ahead = READS_AHEAD) => {
		while (queue.length < ahead && next < end) {
			const to = Math.min(end, next + pieceBytes);
			const read = source.slice(next, to).arrayBuffer();
			// A consumer that stops early leaves reads behind; their failure is nobody's business.
			read.catch(() => {});
			queue.push({ offset: next, read });
			next = to;
		}
	};
	fill(probe ? 1 : READS_AHEAD);
	for (let item = queue.shift(); item; item = queue.shift()) {
		const buffer = await item.read;
		// A probe reads on only once its first piece is done with (the caller may stop there).
		if (!probe) fill();
		yield { offset: item.offset, bytes: new Uint8Array(buffer), owned: true };
		if (probe) fill();
		probe = false;
	}
}

function isQuotaError(error: unknown): boolean {
	for (let e = error as { name?: unknown; inner?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
		if (e.name === 'QuotaExceededError') return true;
		e = (e.inner ?? e.cause) as typeof e;
	}
	return false;
}

function isConstraintError(error: unknown): boolean {
	const e = error as { name?: unknown; inner?: { name?: unknown } } | undefined;
	return e?.name === 'ConstraintError' || e?.inner?.name === 'ConstraintError';
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
	// beside the chunk work. Otherwise a streamed hasher, which — when a digest
	// cache exists — starts only at the first chunk the store lacks: a file whose
	// chunks are all stored may be known already.
	const oneShot = !(source instanceof Blob) && size <= ONE_SHOT_MAX_BYTES ? sha256Hex(source) : undefined;
	oneShot?.catch(() => {});
	const cache = oneShot ? undefined : deps.digestCache === null ? undefined : (deps.digestCache ?? fileDigestCacheOf(db));
	let hasher: StreamHasher | undefined;
	const startHasher = async () => (hasher = await (deps.createHasher ?? inlineHasher)());
	/** Feeds [from, to) of the source to the hasher, re-reading it (catching up after a probe). */
	const feedRange = async (h: StreamHasher, from: number, to: number) => {
		for await (const piece of readPieces(source, from, to, pieceBytes)) {
			throwIfAborted(signal, label);
			h.update(piece.bytes, piece.owned);
			await h.ready?.();
		}
	};
	if (!oneShot && !cache) await startHasher();

	const chunks: string[] = [];
	const seen = new Set<string>();
	let newChunks = 0;
	let newBytes = 0;
	/** Bytes of this file known to be on the device (already there, or written). */
	let storedBytes = 0;
	const puts = new Set<Promise<void>>();
	let putError: unknown;
	const settlePuts = async () => {
		await Promise.allSettled([...puts]);
	};
	/** Rethrows a failed write; the catch below waits for the other writes, then names a quota failure. */
	const failOnPutError = () => {
		if (putError !== undefined) throw putError;
	};
	/** `bytes` is used only for in-memory sources (never transferred); a Blob source's chunk is a slice of it. */
	const putChunk = async (hash: string, offset: number, length: number, bytes: Uint8Array<ArrayBuffer>) => {
		while (puts.size >= PUTS_IN_FLIGHT) await Promise.race(puts);
		failOnPutError();
		const data = source instanceof Blob ? source.slice(offset, offset + length) : new Blob([bytes]);
		const put: Promise<void> = db.blobChunks.add({ hash, size: length, data, writtenAt: deps.now() }).then(
			() => {
				newChunks++;
				newBytes += length;
				storedBytes += length;
			},
			(error: unknown) => {
				// Another ingest stored the same bytes meanwhile: fine, not ours.
				if (isConstraintError(error)) storedBytes += length;
				else putError ??= error;
			}
		);
		puts.add(put);
		void put.finally(() => puts.delete(put));
	};

	/**
	 * Looks up which of a piece's chunks the store lacks and writes those, in
	 * piece order; says whether any was new. Runs behind the hashing: IndexedDB
	 * starts a read only after the writes queued before it commit, so awaiting
	 * it in line would stall the whole-file hash on every write.
	 */
	const storeNew = async (offset: number, hashes: string[], lengths: number[], views: Uint8Array<ArrayBuffer>[]): Promise<boolean> => {
		const present = new Set(await db.blobChunks.where('hash').anyOf(hashes).primaryKeys());
		let anyNew = false;
		for (const [i, hash] of hashes.entries()) {
			const length = lengths[i] ?? 0;
			if (seen.has(hash)) continue;
			seen.add(hash);
			if (present.has(hash)) {
				storedBytes += length;
				continue;
			}
			anyNew = true;
			throwIfAborted(signal, label);
			await putChunk(hash, offset + i * chunkBytes, length, views[i] as Uint8Array<ArrayBuffer>);
		}
		return anyNew;
	};
	/**
	 * Whether every chunk of [from, size) is stored, hashing the two halves at
	 * once (here and on `deps.scanChunks`): the chunk hashes of a re-logged file,
	 * whose first piece was all stored, then (if its digest is cached) no
	 * whole-file hash. Stops at the first chunk the store lacks and says so with
	 * undefined (the file is new or partly stored: it gets hashed as it goes).
	 * Stores nothing and leaves `seen` and `storedBytes` alone.
	 */
	const scanStored = async (blob: Blob, from: number): Promise<string[] | undefined> => {
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
				const present = new Set(await db.blobChunks.where('hash').anyOf(pieceHashes).primaryKeys());
				if (pieceHashes.some((h) => !present.has(h))) stop = true;
			});
			return !stop;
		};
		const halves = [scanChunks(blob, from, mid, chunkBytes, pieceBytes, onPiece)];
		if (mid < size) halves.push((deps.scanChunks ?? scanChunks)(blob, mid, size, chunkBytes, pieceBytes, onPiece));
		const outcomes = await Promise.allSettled(halves);
		await checks;
		throwIfAborted(signal, label);
		for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
		return stop ? undefined : hashes;
	};

	/** Pieces whose writes are queued behind the hashing: bounded so progress stays honest and the end does not wait long. */
	let behind: Promise<unknown> = Promise.resolve();
	let piecesBehind = 0;

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
		for await (const piece of readPieces(source, 0, size, pieceBytes, !hasher && !oneShot)) {
			throwIfAborted(signal, label);
			failOnPutError();
			const views: Uint8Array<ArrayBuffer>[] = [];
			for (let at = 0; at < piece.bytes.length; at += chunkBytes) views.push(piece.bytes.subarray(at, at + chunkBytes));
			// Lengths now: a hashing thread may take (detach) the piece's buffer before the writes run.
			const lengths = views.map((v) => v.length);
			const pieceEnd = piece.offset + piece.bytes.length;
			// WebCrypto copies its input when called, so the hasher may take the buffer once these are started.
			const hashes = await Promise.all(views.map((v) => sha256Hex(v)));
			chunks.push(...hashes);
			if (hasher || oneShot) {
				while (piecesBehind >= PIECES_BEHIND) await behind;
				piecesBehind++;
				behind = behind
					.then(() => storeNew(piece.offset, hashes, lengths, views))
					.catch((error: unknown) => void (putError ??= error))
					.finally(() => piecesBehind--);
			} else if (await storeNew(piece.offset, hashes, lengths, views)) {
				// The first chunk the store lacks: the file is new (or resumed); hash what came before.
				await feedRange(await startHasher(), 0, piece.offset);
			} else if (piece.offset === 0 && pieceEnd < size && source instanceof Blob) {
				// The first piece is all stored: likely a re-logged file. Hash the rest's chunks two at a time.
				const rest = await scanStored(source, pieceEnd);
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
			for (const hash of chunks) seen.add(hash);
			storedBytes = size;
			bytesDone = size;
			report(size);
		}
		await behind;
		await settlePuts();
		failOnPutError();
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
		return { size, sha256, chunks, newChunks, newBytes };
	} catch (error) {
		// Let writes already handed to IndexedDB finish (they stay unreferenced until
		// a version commits them; the GC sweeps them after its grace period).
		await behind;
		await settlePuts();
		if (isQuotaError(error)) throw new StorageQuotaError(label, size, size - storedBytes);
		throw error;
	}
}

export interface HashDeps {
	onProgress?: (bytesDone: number) => void;
	signal?: { readonly aborted: boolean };
	label?: string;
	createHasher?: () => Promise<StreamHasher>;
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
		let whole: Uint8Array<ArrayBuffer>;
		if (source instanceof Blob) {
			whole = new Uint8Array(size);
			for await (const piece of readPieces(source, 0, size, pieceBytes)) {
				throwIfAborted(signal, label);
				whole.set(piece.bytes, piece.offset);
				deps.onProgress?.(piece.offset + piece.bytes.length);
			}
		} else whole = (source instanceof Uint8Array ? source : new Uint8Array(source)) as Uint8Array<ArrayBuffer>;
		const sha256 = await sha256Hex(whole);
		throwIfAborted(signal, label);
		deps.onProgress?.(size);
		return { size, sha256 };
	}
	const hasher = await (deps.createHasher ?? inlineHasher)();
	for await (const piece of readPieces(source, 0, size, pieceBytes)) {
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

function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	const units = ['KiB', 'MiB', 'GiB', 'TiB'];
	let value = bytes / 1024;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}
	return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
