import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { newVersionMap, root, versionKey, type VersionBody } from '$lib/sync/doc-schema';
import type { ChunkKind } from '$lib/sync/mesh-types';
import { ChunkArchiver } from '../../../peer/chunk-archiver';
import { DiskChunkStore } from '../../../peer/disk-chunks';
import { addSeriesChunk, metricChunk, removeTempDirs, tempDir } from './fixtures';

afterEach(removeTempDirs);

const until = async (condition: () => boolean, ms = 3_000) => {
	const end = Date.now() + ms;
	while (!condition()) {
		if (Date.now() > end) throw new Error('timed out');
		await new Promise((r) => setTimeout(r, 5));
	}
};

class Unavailable extends Error {
	override readonly name = 'ChunkUnavailableError';
}

/** A mesh stand-in: serves what `remote` holds, counts requests. */
function fakeMesh(remote: Map<string, Uint8Array>) {
	const requests: [string, ChunkKind][] = [];
	return {
		requests,
		fetchChunk: async (hash: string, kind: ChunkKind) => {
			requests.push([hash, kind]);
			await new Promise((r) => setTimeout(r, 1));
			const bytes = remote.get(hash);
			if (!bytes) throw new Unavailable(`no one has ${hash}`);
			return bytes;
		},
	};
}

function addVersion(doc: Y.Doc, chunks: string[]): void {
	const body = {
		artifactId: 'churn-model',
		projectId: 'churn',
		kind: 'model',
		createdAt: 1,
		files: [{ path: 'model.bin', size: 10, sha256: 'f'.repeat(64), chunks }],
	} as unknown as VersionBody;
	doc.transact(() => root<Y.Map<unknown>>(doc, 'versions').set(versionKey('churn-model', chunks.join('')), newVersionMap(body, 1)));
}

describe('ChunkArchiver', () => {
	it('fetches every referenced metric and artifact chunk, and new ones as they appear', async () => {
		const dir = await tempDir();
		const store = new DiskChunkStore({ dir });
		const doc = new Y.Doc();
		const chunks = [1, 2, 3, 4, 5, 6].map((seed) => metricChunk(20, seed));
		const remote = new Map(chunks.map((c) => [c.hash, c.bytes] as const));
		const mesh = fakeMesh(remote);
		addSeriesChunk(doc, 'r1', 'loss␟train', 0, chunks[0]!.hash, 20);
		addVersion(doc, [chunks[1]!.hash, chunks[2]!.hash]);
		const archiver = new ChunkArchiver({ doc, store, held: await store.list(), fetchChunk: mesh.fetchChunk, debounceMs: 10 });
		archiver.start();
		await until(() => archiver.counts.held === 3);
		expect(archiver.counts).toEqual({ referenced: 3, held: 3, pending: 0, failing: 0 });
		expect(new Set(mesh.requests.map(([h, k]) => `${k}:${h}`))).toEqual(
			new Set([`metric:${chunks[0]!.hash}`, `artifact:${chunks[1]!.hash}`, `artifact:${chunks[2]!.hash}`]),
		);

		// Later references (sync delivers them as doc updates) are picked up by the observers.
		addSeriesChunk(doc, 'r1', 'loss␟train', 1, chunks[3]!.hash, 20);
		addVersion(doc, [chunks[4]!.hash, chunks[5]!.hash]);
		await until(() => archiver.counts.held === 6);
		expect(await store.list()).toEqual(new Set(chunks.map((c) => c.hash)));
		// Nothing was fetched twice.
		expect(mesh.requests).toHaveLength(6);
		archiver.stop();
	});

	it('retries what no one had, at once when a peer arrives', async () => {
		const dir = await tempDir();
		const store = new DiskChunkStore({ dir });
		const doc = new Y.Doc();
		const chunk = metricChunk(8);
		const remote = new Map<string, Uint8Array>();
		const mesh = fakeMesh(remote);
		addSeriesChunk(doc, 'r', 's', 0, chunk.hash, 8);
		const warnings: string[] = [];
		const archiver = new ChunkArchiver({ doc, store, held: new Set(), fetchChunk: mesh.fetchChunk, retryMinMs: 60_000, warn: (w) => warnings.push(w) });
		archiver.start();
		await until(() => archiver.counts.failing === 1);
		expect(archiver.counts).toMatchObject({ referenced: 1, held: 0, pending: 1 });
		remote.set(chunk.hash, chunk.bytes);
		archiver.retryNow();
		await until(() => archiver.counts.held === 1);
		expect(archiver.counts).toMatchObject({ pending: 0, failing: 0 });
		// "Nobody online has it" is the normal case, not a warning.
		expect(warnings).toEqual([]);
		archiver.stop();
	});

	it('skips malformed hashes from the document and refetches a chunk found corrupt', async () => {
		const dir = await tempDir();
		const store = new DiskChunkStore({ dir });
		const doc = new Y.Doc();
		const chunk = metricChunk(8);
		const mesh = fakeMesh(new Map([[chunk.hash, chunk.bytes]]));
		addSeriesChunk(doc, 'r', 's', 0, '../../workspace.json', 8);
		addSeriesChunk(doc, 'r', 's', 1, chunk.hash, 8);
		const warnings: string[] = [];
		const archiver = new ChunkArchiver({ doc, store, held: new Set(), fetchChunk: mesh.fetchChunk, debounceMs: 10, warn: (w) => warnings.push(w) });
		archiver.start();
		await until(() => archiver.counts.held === 1);
		expect(archiver.counts.referenced).toBe(1);
		expect(warnings).toHaveLength(1);
		expect(warnings[0]).toMatch(/malformed chunk hash/);
		archiver.forget(chunk.hash);
		expect(archiver.counts.held).toBe(0);
		await until(() => archiver.counts.held === 1);
		expect(mesh.requests.map(([h]) => h)).toEqual([chunk.hash, chunk.hash]);
		archiver.stop();
	});
});

describe('ChunkArchiver patience', () => {
	it('sets aside a chunk nobody sends, so it cannot block the ones someone has', async () => {
		const dir = await tempDir();
		const store = new DiskChunkStore({ dir });
		const doc = new Y.Doc();
		const lost = metricChunk(8, 1);
		const found = metricChunk(8, 2);
		addSeriesChunk(doc, 'r', 's', 0, lost.hash, 8);
		addSeriesChunk(doc, 'r', 's', 1, found.hash, 8);
		const aborted: string[] = [];
		// Like the mesh: waits until someone has the chunk, stops waiting on abort.
		const fetchChunk = (hash: string, _kind: ChunkKind, signal: AbortSignal) =>
			hash === found.hash
				? Promise.resolve(found.bytes)
				: new Promise<Uint8Array>((_, reject) => signal.addEventListener('abort', () => (aborted.push(hash), reject(new Unavailable('aborted')))));
		const archiver = new ChunkArchiver({ doc, store, held: new Set(), fetchChunk, concurrency: 1, patienceMs: 30, retryMinMs: 60_000 });
		archiver.start();
		await until(() => archiver.counts.held === 1);
		expect(await store.has(found.hash)).toBe(true);
		expect(aborted).toEqual([lost.hash]);
		expect(archiver.counts).toEqual({ referenced: 2, held: 1, pending: 1, failing: 1 });
		archiver.stop();
	});
});
