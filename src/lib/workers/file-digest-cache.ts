/**
 * The file-digest cache: the SHA-256 of a file remembered by its chunk list,
 * so a re-logged file whose chunks are all stored skips the whole-file hash.
 */
import type { CairnDb } from '$lib/store/db';
import { sha256Hex } from './ingest-hashing';

/**
 * Remembers the SHA-256 of a file by its chunk list (see `fileDigestKey`). Sound
 * because the chunk hashes fix the bytes: the same list is the same file.
 */
export interface FileDigestCache {
	get(key: string): Promise<string | undefined>;
	put(key: string, sha256: string): Promise<void>;
}

/** Name of the optional table behind the default FileDigestCache (rows `{ key, sha256 }`, primary key `key`). */
export const FILE_DIGESTS_TABLE = 'fileDigests';

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
