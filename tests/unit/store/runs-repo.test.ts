/**
 * Saving a note from an editor keeps a teammate's edit that arrived while the
 * editor was open: only the editor's own change (from the text it started
 * from) is applied.
 */
import { expect, it } from 'vitest';
import { liveQuery } from 'dexie';
import type * as Y from 'yjs';
import { root } from '$lib/sync/doc-schema';
import { LIST_PAGE_ROWS } from '$lib/store/runs-repo';
import { inProcess, openTestCairn } from '../helpers';

it('editNotes applies only the editor\'s change on top of a teammate\'s concurrent edit', async () => {
	const { cairn } = await openTestCairn();
	const run = await cairn.startRun({ project: 'notes', notes: 'hello world' });
	const base = 'hello world';
	// A teammate appends while our editor is open (a remote update: another origin).
	const notes = (root<Y.Map<unknown>>(inProcess(cairn).doc, 'runs').get(run.id) as Y.Map<unknown>).get('notes') as Y.Text;
	inProcess(cairn).doc.transact(() => notes.insert(base.length, ' (from B)'), 'remote');
	await inProcess(cairn).projection.settled();
	expect((await cairn.runs.get(run.id))?.notes).toBe('hello world (from B)');

	const saved = await cairn.runs.editNotes(run.id, base, 'HELLO world');
	expect(saved.notes).toBe('HELLO world (from B)');
	// A plain update from the same stale text would have dropped the teammate's words.
	await run.finish();
	await cairn.close();
});

it('listByProject reads every run of the project newest first across pages; listNewest only the newest', async () => {
	const { cairn } = await openTestCairn();
	const first = await cairn.startRun({ project: 'many' });
	const template = (await cairn.runs.get(first.id))!;
	await first.finish();
	// Straight into the projection's table: 2.5 pages, with runs that share a start time, and another project's runs.
	const n = Math.floor(LIST_PAGE_ROWS * 2.5);
	const rows = Array.from({ length: n }, (_, i) => ({ ...template, id: `run-${String(i).padStart(5, '0')}`, startedAt: 1_000 + Math.floor(i / 3) }));
	await cairn.db.runs.bulkPut([...rows, ...rows.slice(0, 10).map((r) => ({ ...r, id: `other-${r.id}`, projectId: 'other' }))]);

	const listed = await cairn.runs.listByProject('many');
	expect(listed).toHaveLength(n + 1);
	expect(new Set(listed.map((r) => r.id)).size).toBe(n + 1);
	expect(listed.every((r) => r.projectId === 'many')).toBe(true);
	for (let i = 1; i < listed.length; i++) expect(listed[i - 1]!.startedAt).toBeGreaterThanOrEqual(listed[i]!.startedAt);
	expect((await cairn.runs.listNewest('many', 7)).map((r) => r.id)).toEqual(listed.slice(0, 7).map((r) => r.id));
	await cairn.close();
});

it('a live listByProject re-runs when one of the project\'s runs is added, changed or removed, and never lists another project\'s', async () => {
	const { cairn } = await openTestCairn();
	const first = await cairn.startRun({ project: 'live' });
	const template = (await cairn.runs.get(first.id))!;
	await first.finish();
	await cairn.db.runs.bulkPut(Array.from({ length: 30 }, (_, i) => ({ ...template, id: `run-${String(i).padStart(3, '0')}`, startedAt: 2_000 + i })));

	const results: string[][] = [];
	const subscription = liveQuery(() => cairn.runs.listByProject('live')).subscribe({ next: (runs) => results.push(runs.map((r) => `${r.id}:${r.tags.join('+')}`)) });
	const next = async (count: number) => {
		for (let i = 0; i < 200 && results.length < count; i++) await new Promise((r) => setTimeout(r, 5));
		expect(results).toHaveLength(count);
		return results[count - 1]!;
	};
	try {
		expect(await next(1)).toHaveLength(31);
		await cairn.db.runs.put({ ...template, id: 'run-new', startedAt: template.startedAt + 1_000 });
		expect((await next(2))[0]).toBe('run-new:');
		expect(results[1]).toHaveLength(32);
		await cairn.db.runs.update('run-010', { tags: ['best'] });
		expect(await next(3)).toContain('run-010:best');
		await cairn.db.runs.delete('run-005');
		expect(await next(4)).not.toContain('run-005:');
		expect(results[3]).toHaveLength(31);
		// Another project's run, with an id inside this project's key range: a re-run it may cause
		// (its key is inside a tracked page) still lists only this project's runs.
		await cairn.db.runs.put({ ...template, id: 'run-0105', projectId: 'elsewhere' });
		await new Promise((r) => setTimeout(r, 100));
		expect(results.slice(4).every((r) => r.length === 31)).toBe(true);
	} finally {
		subscription.unsubscribe();
		await cairn.close();
	}
});
