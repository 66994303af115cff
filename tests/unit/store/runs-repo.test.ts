/**
 * Saving a note from an editor keeps a teammate's edit that arrived while the
 * editor was open: only the editor's own change (from the text it started
 * from) is applied.
 */
import { expect, it } from 'vitest';
import type * as Y from 'yjs';
import { root } from '$lib/sync/doc-schema';
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
