/**
 * The browser's ChunkStore for the sync mesh: metric chunks and artifact
 * chunks live in their Dexie tables, named by SHA-256. The mesh verifies bytes
 * before `put`; `get` re-checks nothing because every local reader verifies
 * (artifact-bytes.ts) and a peer verifies on receipt.
 */
import type { CairnDb } from '$lib/store/db';
import type { ChunkKind, ChunkStore } from './mesh-types';

/** Column-packed metric chunks hold three Float64 columns: 24 bytes per point. */
const BYTES_PER_POINT = 24;

export class DexieChunkStore implements ChunkStore {
	constructor(
		private readonly db: CairnDb,
		private readonly onArrived: (hash: string, kind: ChunkKind) => void,
		private readonly now: () => number = Date.now
	) {}

	async get(hash: string, kind: ChunkKind): Promise<Uint8Array | undefined> {
		if (kind === 'metric') {
			const row = await this.db.metricChunks.get(hash);
			return row ? new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength) : undefined;
		}
		const row = await this.db.blobChunks.get(hash);
		return row ? new Uint8Array(await row.data.arrayBuffer()) : undefined;
	}

	async put(hash: string, bytes: Uint8Array, kind: ChunkKind): Promise<void> {
		if (kind === 'metric') {
			if (bytes.byteLength % BYTES_PER_POINT !== 0) throw new RangeError(`metric chunk ${hash} is ${bytes.byteLength} bytes, not a multiple of ${BYTES_PER_POINT}`);
			const data = new Float64Array(bytes.slice().buffer);
			await this.db.metricChunks.put({ hash, points: data.length / 3, data });
		} else {
			await this.db.blobChunks.put({ hash, size: bytes.byteLength, data: new Blob([bytes.slice()]), writtenAt: this.now() });
		}
		this.onArrived(hash, kind);
	}
}
