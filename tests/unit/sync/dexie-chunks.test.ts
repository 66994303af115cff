/**
 * The browser's chunk store for the mesh: every put lands, is announced once
 * with its points (metric) or not (artifact), and puts that arrive while a
 * write commits go in together in the next transaction; gets asked for in one
 * turn are read together.
 */
import { afterEach, expect, it, vi } from 'vitest';
import Dexie from 'dexie';
import { openDb, type CairnDb } from '$lib/store/db';
import { DexieChunkStore } from '$lib/sync/dexie-chunks';

const dbs: CairnDb[] = [];
afterEach(() => {
	for (const db of dbs.splice(0)) db.close();
});

function metricBytes(seed: number, points: number): Uint8Array {
	return new Uint8Array(Float64Array.from({ length: points * 3 }, (_, i) => seed * 1000 + i).buffer);
}

it('stores concurrent puts in few transactions and announces each once', async () => {
	const db = openDb(`chunks-${Math.random()}`);
	dbs.push(db);
	await db.open();
	const arrived: { hash: string; kind: string; points: number | null }[] = [];
	const store = new DexieChunkStore(db, (hash, kind, data) => arrived.push({ hash, kind, points: data ? data.length / 3 : null }), () => 42);
	let commits = 0;
	const onCommit = (parts: Record<string, unknown>) => {
		if (Object.keys(parts).some((k) => k.startsWith(`idb://${db.name}/metricChunks/`) || k.startsWith(`idb://${db.name}/blobChunks/`))) commits++;
	};
	Dexie.on('storagemutated', onCommit);
	try {
		const puts = Array.from({ length: 20 }, (_, i) => store.put(`m${i}`, metricBytes(i, 10), 'metric'));
		puts.push(store.put('a0', new TextEncoder().encode('artifact bytes'), 'artifact'));
		await Promise.all(puts);
	} finally {
		Dexie.on('storagemutated').unsubscribe(onCommit);
	}
	expect(commits).toBeLessThanOrEqual(2);
	expect(arrived).toHaveLength(21);
	expect(new Set(arrived.map((a) => a.hash)).size).toBe(21);
	expect(arrived.find((a) => a.hash === 'm7')).toEqual({ hash: 'm7', kind: 'metric', points: 10 });
	expect(arrived.find((a) => a.hash === 'a0')).toEqual({ hash: 'a0', kind: 'artifact', points: null });
	expect(await store.get('m7', 'metric')).toEqual(metricBytes(7, 10));
	expect(new TextDecoder().decode(await store.get('a0', 'artifact'))).toBe('artifact bytes');
	expect((await db.blobChunks.get('a0'))?.writtenAt).toBe(42);
	expect((await db.metricChunks.get('m3'))?.points).toBe(10);
});

it('rejects a metric chunk whose size is not whole points, storing nothing', async () => {
	const db = openDb(`chunks-${Math.random()}`);
	dbs.push(db);
	await db.open();
	const store = new DexieChunkStore(db, () => {});
	await expect(store.put('bad', new Uint8Array(25), 'metric')).rejects.toThrow(/not a multiple of 24/);
	expect(await db.metricChunks.count()).toBe(0);
});

it('reads metric chunks asked for in one turn with one read, found or not', async () => {
	const db = openDb(`chunks-${Math.random()}`);
	dbs.push(db);
	await db.open();
	const store = new DexieChunkStore(db, () => {});
	await Promise.all(Array.from({ length: 10 }, (_, i) => store.put(`m${i}`, metricBytes(i, 4), 'metric')));
	const bulkGet = vi.spyOn(db.metricChunks, 'bulkGet');
	const read = await Promise.all(Array.from({ length: 30 }, (_, i) => store.get(`m${i}`, 'metric')));
	expect(bulkGet).toHaveBeenCalledTimes(1);
	expect(read.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => metricBytes(i, 4)));
	expect(read.slice(10).every((r) => r === undefined)).toBe(true);
	// A later turn reads again (no stale batch).
	expect(await store.get('m3', 'metric')).toEqual(metricBytes(3, 4));
	expect(bulkGet).toHaveBeenCalledTimes(2);
});
