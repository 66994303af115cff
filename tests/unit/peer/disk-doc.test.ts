import { readFile, stat, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readRun, root } from '$lib/sync/doc-schema';
import { DiskDoc, encodeLogRecords, LOG_FILE, readLogRecords, SNAPSHOT_FILE } from '../../../peer/disk-doc';
import { addRun, makeRun, removeTempDirs, tempDir } from './fixtures';

afterEach(removeTempDirs);

async function reopen(dir: string, options: { compactMinLogBytes?: number } = {}) {
	const doc = new Y.Doc();
	const warnings: string[] = [];
	const disk = await DiskDoc.open({ dir, doc, warn: (m) => warnings.push(m), ...options });
	return { doc, disk, warnings };
}

const runIds = (doc: Y.Doc) => [...root(doc, 'runs').keys()].sort();

describe('DiskDoc', () => {
	it('keeps updates across a restart', async () => {
		const dir = await tempDir();
		const first = await reopen(dir);
		addRun(first.doc, makeRun('a'));
		addRun(first.doc, makeRun('b', { notes: 'hello' }));
		await first.disk.flush();
		// Updates since the last compaction live in the log until the next open.
		expect((await stat(join(dir, LOG_FILE))).size).toBeGreaterThan(0);
		await first.disk.close();

		const second = await reopen(dir);
		expect(runIds(second.doc)).toEqual(['a', 'b']);
		expect(readRun('b', root<Y.Map<unknown>>(second.doc, 'runs').get('b')!).notes).toBe('hello');
		expect(Y.encodeStateVector(second.doc)).toEqual(Y.encodeStateVector(first.doc));
		expect(second.warnings).toEqual([]);
		await second.disk.close();
	});

	it('batches updates that arrive together into one write', async () => {
		const dir = await tempDir();
		const { doc, disk } = await reopen(dir);
		for (let i = 0; i < 20; i++) addRun(doc, makeRun(`r${i}`));
		expect((await stat(join(dir, LOG_FILE))).size).toBe(0);
		await disk.flush();
		const records = readLogRecords(new Uint8Array(await readFile(join(dir, LOG_FILE))));
		expect(records.updates).toHaveLength(20);
		await disk.close();
	});

	it('writes on its own within the batch window, without flush()', async () => {
		const dir = await tempDir();
		const { doc, disk } = await reopen(dir);
		addRun(doc, makeRun('a'));
		await new Promise((r) => setTimeout(r, 200));
		expect(readLogRecords(new Uint8Array(await readFile(join(dir, LOG_FILE)))).updates).toHaveLength(1);
		await disk.close();
	});

	it('compacts on open and past the threshold, keeping the state', async () => {
		const dir = await tempDir();
		const first = await reopen(dir, { compactMinLogBytes: 2_000 });
		for (let i = 0; i < 40; i++) {
			addRun(first.doc, makeRun(`r${i}`, { notes: 'x'.repeat(100) }));
			await first.disk.flush();
		}
		// The log grew past max(2 kB, the snapshot's size) and was folded into the snapshot.
		const snapshotBytes = (await stat(join(dir, SNAPSHOT_FILE))).size;
		expect(snapshotBytes).toBeGreaterThan(4_000);
		expect(first.disk.logBytes).toBeLessThanOrEqual(Math.max(2_000, snapshotBytes));
		expect((await stat(join(dir, LOG_FILE))).size).toBe(first.disk.logBytes);
		const expected = Y.encodeStateVector(first.doc);
		await first.disk.close();

		const second = await reopen(dir);
		// Open compacts: everything is in the snapshot, the log is empty.
		expect((await stat(join(dir, LOG_FILE))).size).toBe(0);
		expect(runIds(second.doc)).toHaveLength(40);
		expect(Y.encodeStateVector(second.doc)).toEqual(expected);
		await second.disk.close();
	});

	it('loses nothing when it crashed between the snapshot rename and the log truncation', async () => {
		const dir = await tempDir();
		const first = await reopen(dir);
		addRun(first.doc, makeRun('a'));
		await first.disk.flush();
		const log = await readFile(join(dir, LOG_FILE));
		await first.disk.compact();
		await first.disk.close();
		// Put the already-compacted log back: every record is now in both files.
		await writeFile(join(dir, LOG_FILE), log);
		const second = await reopen(dir);
		expect(runIds(second.doc)).toEqual(['a']);
		await second.disk.close();
	});

	it('ignores a torn last record, says so, and appends cleanly after it', async () => {
		const dir = await tempDir();
		const first = await reopen(dir);
		addRun(first.doc, makeRun('a'));
		await first.disk.flush();
		await first.disk.close();
		// A crash mid-append: the header and half of a record made it to disk.
		const source = new Y.Doc();
		addRun(source, makeRun('torn'));
		const record = encodeLogRecords([Y.encodeStateAsUpdate(source)]);
		await appendFile(join(dir, LOG_FILE), record.subarray(0, Math.floor(record.length / 2)));

		const second = await reopen(dir);
		expect(runIds(second.doc)).toEqual(['a']);
		expect(second.warnings.join('\n')).toMatch(/incomplete last record/);
		addRun(second.doc, makeRun('b'));
		await second.disk.flush();
		await second.disk.close();

		const third = await reopen(dir);
		expect(runIds(third.doc)).toEqual(['a', 'b']);
		expect(third.warnings).toEqual([]);
		await third.disk.close();
	});

	it('stops at a record whose checksum fails', async () => {
		const good = new Y.Doc();
		addRun(good, makeRun('a'));
		const bad = new Y.Doc();
		addRun(bad, makeRun('b'));
		const bytes = encodeLogRecords([Y.encodeStateAsUpdate(good), Y.encodeStateAsUpdate(bad)]);
		const firstLength = encodeLogRecords([Y.encodeStateAsUpdate(good)]).length;
		const damaged = bytes.slice();
		damaged[damaged.length - 3]! ^= 0xff;
		const result = readLogRecords(damaged);
		expect(result.updates).toHaveLength(1);
		expect(result.validBytes).toBe(firstLength);
		expect(result.corrupt).toBe(true);
		// A header cut short is just incomplete.
		expect(readLogRecords(bytes.subarray(0, firstLength + 5))).toMatchObject({ validBytes: firstLength, corrupt: false });
		expect(readLogRecords(new Uint8Array())).toMatchObject({ updates: [], validBytes: 0, droppedBytes: 0 });
	});

	it('does not write back what it loaded', async () => {
		const dir = await tempDir();
		const first = await reopen(dir);
		addRun(first.doc, makeRun('a'));
		await first.disk.close();
		const second = await reopen(dir);
		await second.disk.flush();
		expect((await stat(join(dir, LOG_FILE))).size).toBe(0);
		await second.disk.close();
	});
});
