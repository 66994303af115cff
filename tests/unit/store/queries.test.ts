/**
 * The project summaries (run counts, which wait behind a long write) abort
 * their read with the signal LiveQuery ends when the page is left.
 */
import { expect, it } from 'vitest';
import { listProjectSummaries } from '$lib/store/queries';
import { openTestCairn } from '../helpers';

it('project summaries waiting behind a write are aborted with their signal; the write and later summaries are unaffected', async () => {
	const { cairn } = await openTestCairn();
	const run = await cairn.startRun({ project: 'counted' });
	await run.finish();
	const template = (await cairn.runs.get(run.id))!;
	// A long write on the runs, as a first sync's projection is: held open by chained requests.
	const idb = cairn.db.backendDB();
	const write = idb.transaction('runs', 'readwrite');
	let holding = true;
	let written = 0;
	const hold = () => {
		const request = write.objectStore('runs').put({ ...template, id: `w-${written++}` });
		request.onsuccess = () => {
			if (holding) hold();
		};
	};
	hold();
	const committed = new Promise((resolve, reject) => {
		write.oncomplete = resolve;
		write.onabort = () => reject(write.error);
	});

	const controller = new AbortController();
	const waiting = listProjectSummaries(cairn.db, controller.signal);
	await new Promise((r) => setTimeout(r, 20));
	controller.abort();
	await expect(waiting).rejects.toMatchObject({ name: expect.stringMatching(/Abort/) });
	holding = false;
	await committed;

	const summaries = await listProjectSummaries(cairn.db, new AbortController().signal);
	expect(summaries.find((s) => s.id === 'counted')?.runCount).toBe(1 + written);
	await cairn.close();
});
