/**
 * Reading artifact bytes back, verified. Every chunk is hashed as it is read
 * and compared with the name it is stored under; a mismatch or a missing chunk
 * raises ChunkCorruptedError naming the version, the file and the chunk, and
 * the bad bytes are never handed out (principle 3).
 */
import { isExternal, type ArtifactVersion, type StoredFile } from '$lib/core/artifacts';
import { ChunkCorruptedError } from '$lib/core/errors';
import { sha256Hex } from '$lib/core/hash';
import type { BlobChunkRow, CairnDb } from './db';

export interface VerifyProgress {
	chunksDone: number;
	chunksTotal: number;
	bytesDone: number;
}

export class ArtifactBytes {
	/**
	 * `fetchMissing` asks teammates for a chunk this device lacks (artifact bytes
	 * sync on demand); it resolves once the verified bytes are stored.
	 */
	constructor(
		private readonly db: CairnDb,
		private readonly fetchMissing?: (hash: string) => Promise<void>
	) {}

	/** Which of `hashes` are stored on this device (keys only: no bytes read). */
	async presentChunks(hashes: readonly string[]): Promise<string[]> {
		return (await this.db.blobChunks.where('hash').anyOf([...hashes]).primaryKeys()) as string[];
	}

	/** Chunk `index` of `file`, verified; one chunk in memory at a time. */
	async chunk(version: ArtifactVersion, file: StoredFile, index: number): Promise<Uint8Array<ArrayBuffer>> {
		return (await this.#verifiedRow(version, file, index)).bytes;
	}

	/** The stored row of a chunk and its bytes, after checking the bytes against the chunk's name. */
	async #verifiedRow(version: ArtifactVersion, file: StoredFile, index: number): Promise<{ row: BlobChunkRow; bytes: Uint8Array<ArrayBuffer> }> {
		const expected = file.chunks[index];
		if (expected === undefined) throw new RangeError(`"${file.path}" has ${file.chunks.length} chunks; there is no chunk ${index}.`);
		let row = await this.db.blobChunks.get(expected);
		const where = { versionId: version.id, path: file.path, chunkIndex: index, expected };
		if (!row && this.fetchMissing) {
			await this.fetchMissing(expected).catch(() => undefined);
			row = await this.db.blobChunks.get(expected);
		}
		if (!row) throw new ChunkCorruptedError({ ...where, actual: null });
		const bytes = new Uint8Array(await row.data.arrayBuffer());
		const actual = await sha256Hex(bytes);
		if (actual !== expected) throw new ChunkCorruptedError({ ...where, actual });
		return { row, bytes };
	}

	/** The file as a stream of verified chunks: bounded memory, errors on the first bad chunk. */
	stream(version: ArtifactVersion, file: StoredFile): ReadableStream<Uint8Array<ArrayBuffer>> {
		let index = 0;
		return new ReadableStream<Uint8Array<ArrayBuffer>>(
			{
				pull: async (controller) => {
					if (index >= file.chunks.length) return controller.close();
					controller.enqueue(await this.chunk(version, file, index++));
				}
			},
			{ highWaterMark: 1 }
		);
	}

	/** Up to `maxBytes` from the start of the file (whole chunks, verified), for previews. */
	async head(version: ArtifactVersion, file: StoredFile, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
		const parts: Uint8Array[] = [];
		let total = 0;
		for (let i = 0; i < file.chunks.length && total < maxBytes; i++) {
			const bytes = await this.chunk(version, file, i);
			parts.push(bytes);
			total += bytes.length;
		}
		const out = new Uint8Array(Math.min(total, maxBytes));
		let at = 0;
		for (const p of parts) {
			const take = Math.min(p.length, out.length - at);
			out.set(p.subarray(0, take), at);
			at += take;
		}
		return out;
	}

	/**
	 * A Blob of the whole file for download, after verifying every chunk. The
	 * Blob is composed of the stored chunk Blobs, which the browser keeps on disk,
	 * so a large download does not need a second copy of the file in memory.
	 */
	async verifiedBlob(version: ArtifactVersion, file: StoredFile, onProgress?: (bytesDone: number) => void): Promise<Blob> {
		const parts: Blob[] = [];
		let done = 0;
		for (let i = 0; i < file.chunks.length; i++) {
			const { row } = await this.#verifiedRow(version, file, i);
			parts.push(row.data);
			done += row.size;
			onProgress?.(done);
		}
		return new Blob(parts, { type: file.mediaType || 'application/octet-stream' });
	}

	/** Checks every chunk of a version; returns the problems found (empty when intact). */
	async verifyVersion(version: ArtifactVersion, onProgress?: (p: VerifyProgress) => void): Promise<ChunkCorruptedError[]> {
		return this.#verify([version], onProgress);
	}

	/** "Verify all": every chunk of every version on this device. */
	async verifyAll(onProgress?: (p: VerifyProgress) => void): Promise<ChunkCorruptedError[]> {
		return this.#verify(await this.db.artifactVersions.toArray(), onProgress);
	}

	async #verify(versions: ArtifactVersion[], onProgress?: (p: VerifyProgress) => void): Promise<ChunkCorruptedError[]> {
		const files = versions.flatMap((v) => v.files.filter((f): f is StoredFile => !isExternal(f)).map((f) => ({ v, f })));
		const chunksTotal = files.reduce((n, x) => n + x.f.chunks.length, 0);
		const problems: ChunkCorruptedError[] = [];
		let chunksDone = 0;
		let bytesDone = 0;
		for (const { v, f } of files) {
			for (let i = 0; i < f.chunks.length; i++) {
				try {
					bytesDone += (await this.chunk(v, f, i)).length;
				} catch (error) {
					if (!(error instanceof ChunkCorruptedError)) throw error;
					problems.push(error);
				}
				onProgress?.({ chunksDone: ++chunksDone, chunksTotal, bytesDone });
			}
		}
		return problems;
	}
}
