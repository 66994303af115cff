/**
 * Reading an ingest's source in pieces: one byte stream per range, read a few
 * pieces ahead so the next read overlaps the work on this one, into buffers
 * that are used again once their piece is done with.
 *
 * Why the buffers are reused: a fresh 16 MiB ArrayBuffer per piece is fresh
 * memory the kernel must fault in and zero, page by page. On this project's VM
 * (whose host takes freed guest memory back within seconds) that cost ≈ 3 ns a
 * byte: perf showed a third of the ingest threads' CPU time in the kernel,
 * mostly faulting in fresh pages. Blob streams take the buffers to read into
 * (BYOB reads), so a job's pieces cycle through a handful of buffers
 * (PieceBuffers) instead.
 */

/**
 * Bytes held by another thread — the page's, for an SDK call with a
 * Uint8Array or ArrayBuffer — copied over a range at a time when asked. The
 * page then never copies (or detaches) the whole input in one task: a 1 GiB
 * array copied before its transfer blocked the main thread for 6.4–6.8 s.
 */
export interface RemoteBytes {
	readonly remoteSize: number;
	/** Copies [offset, offset + length) of the bytes into `into` at `at` and returns `into` (transferred there and back). */
	read(into: ArrayBuffer, at: number, offset: number, length: number): Promise<ArrayBuffer>;
}

export type IngestSource = Blob | ArrayBuffer | Uint8Array | RemoteBytes;

/**
 * Bytes a RemoteBytes read copies at most: the page copies each range in one
 * task, and 4 MiB of memory it has not touched yet takes up to ≈ 12 ms on
 * this project's VM (≈ 1 ms warm).
 */
export const REMOTE_READ_BYTES = 4 * 1024 * 1024;

export function isRemoteBytes(source: IngestSource): source is RemoteBytes {
	return typeof (source as Partial<RemoteBytes>).remoteSize === 'number';
}

/**
 * 16 MiB pieces: in Chromium, 16 MiB slice reads cost ≈ 1.6 CPU-seconds a GiB
 * against ≈ 2.1 for 4 MiB (fewer round trips per byte). Memory: two pieces being read,
 * one being processed, plus what the hasher queues (one piece behind the one
 * it hashes: ingest.worker.ts).
 */
export const PIECE_BYTES = 16 * 1024 * 1024;
const READS_AHEAD = 2;

export function sizeOf(source: IngestSource): number {
	if (isRemoteBytes(source)) return source.remoteSize;
	return source instanceof Blob ? source.size : source.byteLength;
}

export interface Piece {
	offset: number;
	bytes: Uint8Array<ArrayBuffer>;
	/**
	 * Read for this call: a hasher may take (transfer) its buffer, and should
	 * give it back to the job's PieceBuffers when done. A buffer not taken is
	 * reused for a later piece once the next piece is asked for.
	 */
	owned: boolean;
}

/** One job's spare piece buffers: taken for each read, given back when their piece is spent. */
export class PieceBuffers {
	readonly #free: ArrayBuffer[] = [];
	/** Buffers this set had to allocate (the rest of its takes were reuses). */
	allocated = 0;
	constructor(
		readonly pieceBytes: number,
		/** Spares kept at most: the buffers in circulation (reads ahead, the hasher's queue) come back to this. */
		readonly keep = 4
	) {}

	take(): ArrayBuffer {
		const spare = this.#free.pop();
		if (spare) return spare;
		this.allocated++;
		return new ArrayBuffer(this.pieceBytes);
	}

	/** Takes back a spent buffer (one of another size, or a detached one, is left to the collector). */
	give = (buffer: ArrayBuffer) => {
		if (buffer.byteLength === this.pieceBytes && this.#free.length < this.keep) this.#free.push(buffer);
	};
}

/** Reads a Blob (or RemoteBytes) front to back into the views it is given. */
interface SequentialReader {
	/**
	 * Fills `target` with the next `target.length` bytes. A BYOB read transfers
	 * the buffer it reads into, so `target`'s buffer may be detached after
	 * this: use the returned view (same bytes, same length).
	 */
	fill(target: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>>;
	/** Stops reads still queued (a consumer that stopped early, or a failure). */
	close(): Promise<void>;
}

/**
 * A SequentialReader over `blob`: its byte stream read with our buffers
 * (BYOB), or — where a browser's Blob streams do not take them — slices read
 * one by one and copied into the target.
 */
function sequentialReader(blob: Blob): SequentialReader {
	let reader: ReadableStreamBYOBReader | undefined;
	try {
		reader = blob.stream().getReader({ mode: 'byob' });
	} catch {
		let at = 0;
		return {
			async fill(target) {
				const from = at;
				at += target.length;
				target.set(new Uint8Array(await blob.slice(from, at).arrayBuffer()));
				return target;
			},
			close: async () => {}
		};
	}
	const byob = reader;
	return {
		async fill(target) {
			let buffer = target.buffer;
			const { byteOffset, byteLength } = target;
			for (let filled = 0; filled < byteLength; ) {
				// `min`: one answer per piece instead of one per data-pipe fill (≈ 10,000
				// a GiB; ≈ 0.1–0.2 CPU-s of this thread). Engines without it answer sooner; the loop goes on.
				const { value, done } = await byob.read(new Uint8Array(buffer, byteOffset + filled, byteLength - filled), { min: byteLength - filled });
				if (value) buffer = value.buffer;
				if (done || !value) throw new Error(`The file ended ${byteLength - filled} bytes early: was it changed while being read?`);
				filled += value.byteLength;
			}
			return new Uint8Array(buffer, byteOffset, byteLength);
		},
		close: () => byob.cancel().catch(() => {})
	};
}

/**
 * [offset, offset + target.length) of `source` copied into `target`, at most
 * REMOTE_READ_BYTES per read. The buffer crosses over and back: use the
 * returned view (same bytes, same length), not `target`.
 */
export async function readRemote(source: RemoteBytes, target: Uint8Array<ArrayBuffer>, offset: number): Promise<Uint8Array<ArrayBuffer>> {
	let buffer = target.buffer;
	const { byteOffset, byteLength } = target;
	for (let filled = 0; filled < byteLength; ) {
		const length = Math.min(REMOTE_READ_BYTES, byteLength - filled);
		buffer = await source.read(buffer, byteOffset + filled, offset + filled, length);
		filled += length;
	}
	return new Uint8Array(buffer, byteOffset, byteLength);
}

/** A SequentialReader over RemoteBytes from `start`. */
function remoteReader(source: RemoteBytes, start: number): SequentialReader {
	let at = start;
	return {
		async fill(target) {
			const from = at;
			at += target.length;
			return readRemote(source, target, from);
		},
		close: async () => {}
	};
}

/** A SequentialReader over [start, end) of a Blob or RemoteBytes. */
function readerOf(source: Blob | RemoteBytes, start: number, end: number): SequentialReader {
	return source instanceof Blob ? sequentialReader(source.slice(start, end)) : remoteReader(source, start);
}

/**
 * All of `source` in one buffer, read straight into it (no piece buffers, no
 * copy); `onProgress` gets the bytes read so far as they arrive.
 */
export async function readWhole(source: Blob | RemoteBytes, onProgress?: (bytesDone: number) => void, pieceBytes = PIECE_BYTES): Promise<Uint8Array<ArrayBuffer>> {
	const size = sizeOf(source);
	let whole = new Uint8Array(size);
	const reader = readerOf(source, 0, size);
	try {
		for (let at = 0; at < size; at += pieceBytes) {
			const to = Math.min(size, at + pieceBytes);
			whole = new Uint8Array((await reader.fill(whole.subarray(at, to))).buffer);
			onProgress?.(to);
		}
		return whole;
	} finally {
		await reader.close();
	}
}

/**
 * The bytes of [start, end) in pieces of `pieceBytes` (the last may be
 * shorter). Blobs and RemoteBytes are read READS_AHEAD pieces ahead into `buffers` (a fresh
 * set by default), so the next read overlaps the work on this one; in-memory
 * sources yield views. With `probe` only the first piece is read until it has
 * been handled (the caller may stop there).
 */
export async function* readPieces(
	source: IngestSource,
	start: number,
	end: number,
	pieceBytes: number,
	{ probe = false, buffers = new PieceBuffers(pieceBytes) }: { probe?: boolean; buffers?: PieceBuffers } = {}
): AsyncGenerator<Piece> {
	if (!(source instanceof Blob) && !isRemoteBytes(source)) {
		const all = source instanceof Uint8Array ? source : new Uint8Array(source);
		for (let at = start; at < end; at += pieceBytes)
			yield { offset: at, bytes: all.subarray(at, Math.min(end, at + pieceBytes)) as Uint8Array<ArrayBuffer>, owned: false };
		return;
	}
	if (buffers.pieceBytes !== pieceBytes) throw new RangeError(`piece buffers of ${buffers.pieceBytes} bytes for pieces of ${pieceBytes}`);
	const reader = readerOf(source, start, end);
	const queue: Promise<Piece>[] = [];
	// One stream: each read starts when the one before it is done.
	let previous: Promise<unknown> = Promise.resolve();
	let next = start;
	const readAhead = (ahead = READS_AHEAD) => {
		while (queue.length < ahead && next < end) {
			const offset = next;
			const length = Math.min(pieceBytes, end - offset);
			next += length;
			const read = previous.then(async () => ({ offset, bytes: await reader.fill(new Uint8Array(buffers.take(), 0, length)), owned: true }));
			// A consumer that stops early leaves reads behind; their failure is nobody's business.
			read.catch(() => {});
			previous = read.catch(() => {});
			queue.push(read);
		}
	};
	try {
		readAhead(probe ? 1 : READS_AHEAD);
		for (let read = queue.shift(); read; read = queue.shift()) {
			const piece = await read;
			if (!probe) readAhead();
			yield piece;
			// Asked for the next piece: this one is spent (a buffer the consumer took is detached: give ignores it).
			buffers.give(piece.bytes.buffer);
			if (probe) readAhead();
			probe = false;
		}
	} finally {
		await reader.close();
	}
}
