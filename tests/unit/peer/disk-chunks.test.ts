import { readdir, readFile, writeFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChunkHashMismatchError, DiskChunkStore } from '../../../peer/disk-chunks';
import { metricChunk, removeTempDirs, tempDir } from './fixtures';

afterEach(removeTempDirs);

describe('DiskChunkStore', () => {
	it('puts and gets chunks under chunks/<2 hex>/<hash>', async () => {
		const dir = await tempDir();
		const store = new DiskChunkStore({ dir });
		const { hash, bytes } = metricChunk(100);
		expect(await store.get(hash, 'metric')).toBeUndefined();
		expect(await store.has(hash)).toBe(false);
		await store.put(hash, bytes, 'metric');
		const path = join(dir, 'chunks', hash.slice(0, 2), hash);
		expect(new Uint8Array(await readFile(path))).toEqual(bytes);
		expect((await stat(path)).mode & 0o777).toBe(0o600);
		expect(await store.get(hash, 'metric')).toEqual(bytes);
		// One namespace: the same bytes asked for as an artifact chunk.
		expect(await store.get(hash, 'artifact')).toEqual(bytes);
		expect(await store.has(hash)).toBe(true);
		// Putting again is harmless and leaves no temp files.
		await store.put(hash, bytes, 'artifact');
		expect(await readdir(join(dir, 'chunks', hash.slice(0, 2)))).toEqual([hash]);
		expect(await store.list()).toEqual(new Set([hash]));
	});

	it('refuses bytes that do not match their name, and names that are not hashes', async () => {
		const dir = await tempDir();
		const store = new DiskChunkStore({ dir });
		const a = metricChunk(10, 1);
		const b = metricChunk(10, 2);
		await expect(store.put(a.hash, b.bytes, 'metric')).rejects.toThrow(ChunkHashMismatchError);
		await expect(store.put('../../etc/passwd', a.bytes, 'metric')).rejects.toThrow(/Not a chunk hash/);
		await expect(store.put(a.hash.toUpperCase(), a.bytes, 'metric')).rejects.toThrow(/Not a chunk hash/);
		expect(await store.get('../workspace.json', 'metric')).toBeUndefined();
		expect(await store.list()).toEqual(new Set());
	});

	it('detects a file corrupted on disk: deletes it, reports it, never serves it', async () => {
		const dir = await tempDir();
		const corrupt: string[] = [];
		const store = new DiskChunkStore({ dir, onCorrupt: (h) => corrupt.push(h) });
		const { hash, bytes } = metricChunk(50);
		await store.put(hash, bytes, 'metric');
		const path = join(dir, 'chunks', hash.slice(0, 2), hash);
		const flipped = bytes.slice();
		flipped[7]! ^= 1;
		await writeFile(path, flipped);
		expect(await store.get(hash, 'metric')).toBeUndefined();
		expect(corrupt).toEqual([hash]);
		expect(await store.has(hash)).toBe(false);
		// It can be stored again.
		await store.put(hash, bytes, 'metric');
		expect(await store.get(hash, 'metric')).toEqual(bytes);
	});

	it('list() drops temp files a crashed process left behind', async () => {
		const dir = await tempDir();
		const store = new DiskChunkStore({ dir });
		const { hash, bytes } = metricChunk(5);
		await store.put(hash, bytes, 'metric');
		const fan = join(dir, 'chunks', hash.slice(0, 2));
		await writeFile(join(fan, `${hash}.tmp-999999-abc`), bytes.subarray(0, 3));
		await mkdir(join(dir, 'chunks', 'zz'));
		expect(await store.list()).toEqual(new Set([hash]));
		expect(await readdir(fan)).toEqual([hash]);
	});
});
