/**
 * Reads that wait behind a long write (a first sync projecting 10,000 runs)
 * abort with the signal LiveQuery ends when a page is left: the project
 * summaries' run counts and the project's run list.
 */
import { expect, it } from 'vitest';
import type { Cairn } from '$lib/sdk/cairn';
import { listProjectSummaries } from '$lib/store/queries';
import { openTestCairn } from '../helpers';

/** A write on the runs held open by chained requests, as a first sync's projection is. */
async function holdRunsWrite(cairn: Cairn, template: object) {
	const write = cairn.db.backendDB().transaction('runs', 'readwrite');
	let holding = true;
	let written = 0;
	const next = () => {
		const request = write.objectStore('runs').put({ ...template, id: `w-${written++}` });
		request.onsuccess = () => {
			if (holding) next();
		};
	};
	next();
	const committed = new Promise((resolve, reject) => {
		write.oncomplete = resolve;
		write.onabort = () => reject(write.error);
	});
	return {
		release: async () => {
			holding = false;
			await committed;
			return written;
		}
	};
}

async function setUp() {
	const { cairn } = await openTestCairn();
	const run = await cairn.startRun({ project: 'counted' });
	await run.finish();
	return { cairn, template: (await cairn.runs.get(run.id))! };
}

it('project summaries waiting behind a write abort with their signal; the write and later summaries are unaffected', async () => {
	const { cairn, template } = await setUp();
	const write = await holdRunsWrite(cairn, template);
	const controller = new AbortController();
	const waiting = listProjectSummaries(cairn.db, controller.signal);
	await new Promise((r) => setTimeout(r, 20));
	controller.abort();
	await expect(waiting).rejects.toMatchObject({ name: expect.stringMatching(/Abort/) });
	const written = await write.release();
	const summaries = await listProjectSummaries(cairn.db, new AbortController().signal);
	expect(summaries.find((s) => s.id === 'counted')?.runCount).toBe(1 + written);
	await cairn.close();
});

it('a project\'s run list waiting behind a write aborts with its signal; read again, it has every run', async () => {
	const { cairn, template } = await setUp();
	const write = await holdRunsWrite(cairn, template);
	const controller = new AbortController();
	const waiting = cairn.runs.listByProject('counted', controller.signal);
	await new Promise((r) => setTimeout(r, 20));
	controller.abort();
	await expect(waiting).rejects.toMatchObject({ name: expect.stringMatching(/Abort/) });
	const written = await write.release();
	expect(await cairn.runs.listByProject('counted', new AbortController().signal)).toHaveLength(1 + written);
	await cairn.close();
});
