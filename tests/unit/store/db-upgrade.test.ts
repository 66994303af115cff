/**
 * Opens a database written by schema version 1 (the foundation, when Dexie was
 * the source of truth) with the current code: the data must still be there and
 * must have moved into the workspace's Yjs document (the personal workspace's
 * migration), with the projection rebuilt from the document.
 */
import Dexie from 'dexie';
import { expect, it } from 'vitest';
import { SCHEMA_V1 } from '$lib/store/db';
import { Cairn } from '$lib/sdk/cairn';
import { readRun, root } from '$lib/sync/doc-schema';
import * as Y from 'yjs';
import { V1_PROJECT, V1_RUN, V1_TAIL } from '../fixtures/db-v1';
import { inProcess } from '../helpers';

it('reads data written with schema v1 and migrates it into the workspace document', async () => {
	const name = `upgrade-v1-${Math.random()}`;
	const old = new Dexie(name);
	old.version(1).stores(SCHEMA_V1);
	await old.table('projects').put(V1_PROJECT);
	await old.table('runs').put(V1_RUN);
	await old.table('seriesTails').put(V1_TAIL);
	old.close();

	// A clock far past the fixture's heartbeat would kill its running runs; the fixture is finished.
	const cairn = await Cairn.open({ dbName: name, captureEnv: async () => undefined, author: 'tester' });
	expect(cairn.db.verno).toBe(4);
	// Version 4 dropped the unused tag index.
	expect(cairn.db.runs.schema.indexes.map((i) => i.name)).toEqual(['[projectId+startedAt]', 'status']);
	expect(await cairn.runs.listByProject('legacy')).toEqual([V1_RUN]);
	const series = await cairn.metrics.readSeries(V1_RUN.id, 'loss@train');
	expect([...series.values]).toEqual([1, 0.5]);
	const runMap = root<Y.Map<unknown>>(inProcess(cairn).doc, 'runs').get(V1_RUN.id);
	expect(runMap).toBeInstanceOf(Y.Map);
	expect(readRun(V1_RUN.id, runMap as Y.Map<unknown>)).toEqual(V1_RUN);
	expect(root(inProcess(cairn).doc, 'projects').has(V1_PROJECT.id)).toBe(true);
	await cairn.close();

	// Reopening does not migrate again, and the data is still whole.
	const again = await Cairn.open({ dbName: name, captureEnv: async () => undefined, author: 'tester' });
	expect(await again.runs.listByProject('legacy')).toEqual([V1_RUN]);
	expect(root(inProcess(again).doc, 'runs').size).toBe(1);
	await again.close();
});
