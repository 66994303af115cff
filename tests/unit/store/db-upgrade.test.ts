/**
 * Opens a database written by schema version 1 with the current code. When a
 * version 2 is added, this test keeps proving that v1 data still upgrades.
 */
import Dexie from 'dexie';
import { expect, it } from 'vitest';
import { openDb, SCHEMA_V1 } from '$lib/store/db';
import { MetricRepository } from '$lib/store/metrics-repo';
import { RunRepository } from '$lib/store/runs-repo';
import { V1_PROJECT, V1_RUN, V1_TAIL } from '../fixtures/db-v1';

it('reads data written with schema v1', async () => {
	const name = `upgrade-v1-${Math.random()}`;
	const old = new Dexie(name);
	old.version(1).stores(SCHEMA_V1);
	await old.table('projects').put(V1_PROJECT);
	await old.table('runs').put(V1_RUN);
	await old.table('seriesTails').put(V1_TAIL);
	old.close();

	const db = openDb(name);
	await db.open();
	expect(db.verno).toBeGreaterThanOrEqual(1);
	expect(await new RunRepository(db).listByProject('legacy')).toEqual([V1_RUN]);
	const series = await new MetricRepository(db).readSeries(V1_RUN.id, 'loss@train');
	expect([...series.values]).toEqual([1, 0.5]);
	db.close();
});
