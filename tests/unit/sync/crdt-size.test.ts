/**
 * The CRDT stays small: metric points never become Yjs items (they travel as
 * chunk bytes plus one overwritten tail per series), and y-indexeddb's update
 * log is compacted into a snapshot once it passes PREFERRED_TRIM_SIZE.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { PREFERRED_TRIM_SIZE } from 'y-indexeddb';
import { Cairn } from '$lib/sdk/cairn';
import { ydocDbName } from '$lib/store/workspace-registry';
import { inProcess, openTestCairn } from '../helpers';

/** Rows in the y-indexeddb update log of a Cairn's workspace (read with raw IndexedDB). */
async function updateRows(dbName: string): Promise<number> {
	const db = await new Promise<IDBDatabase>((resolve, reject) => {
		const req = indexedDB.open(ydocDbName(dbName));
		req.onsuccess = () => resolve(req.result);
		req.onerror = () => reject(req.error);
	});
	const count = await new Promise<number>((resolve, reject) => {
		const req = db.transaction('updates').objectStore('updates').count();
		req.onsuccess = () => resolve(req.result);
		req.onerror = () => reject(req.error);
	});
	db.close();
	return count;
}

describe('CRDT size', () => {
	it('logs 20,000 points without per-point Yjs items', async () => {
		const { cairn } = await openTestCairn();
		const run = await cairn.startRun({ project: 'size' });
		const before = Y.encodeStateAsUpdate(inProcess(cairn).doc).byteLength;
		for (let step = 0; step < 20_000; step++) {
			run.log({ loss: 1 / (step + 1) }, { step });
			if (step % 2_000 === 1_999) await run.flush();
		}
		await run.finish();
		const grown = Y.encodeStateAsUpdate(inProcess(cairn).doc).byteLength - before;
		// 4 sealed chunks (index entries of ~150 bytes) + a 3,616-point tail (~87 KB of bytes) + tombstones of
		// ten overwritten tails and summaries. Per-point items would be well over 20,000 × ~10 bytes on top.
		expect(grown).toBeLessThan(120_000);
		expect(await cairn.db.seriesChunks.count()).toBe(4);
		await cairn.close();
	});

	it(`compacts the y-indexeddb update log past ${PREFERRED_TRIM_SIZE} updates and keeps the state`, async () => {
		const { cairn } = await openTestCairn();
		const dbName = cairn.db.name;
		const run = await cairn.startRun({ project: 'compact' });
		for (let i = 0; i < PREFERRED_TRIM_SIZE + 50; i++) await run.setTags([`t${i % 7}`]);
		// y-indexeddb trims on a 1 s debounce after the threshold.
		await expect.poll(() => updateRows(dbName), { timeout: 5_000, interval: 200 }).toBeLessThan(60);
		await cairn.close();
		const again = await Cairn.open({ dbName, captureEnv: async () => undefined, author: 'tester' });
		expect((await again.runs.get(run.id))?.tags).toEqual([`t${(PREFERRED_TRIM_SIZE + 49) % 7}`]);
		await again.close();
	});
});
