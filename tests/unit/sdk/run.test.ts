import { afterEach, describe, expect, it, vi } from 'vitest';
import {
	ForbiddenKeyError,
	InvalidFieldError,
	InvalidMetricValueError,
	InvalidStepError,
	ParamConflictError,
	RunClosedError,
	UnknownSplitError
} from '$lib/core/errors';
import { seriesId } from '$lib/core/metric-chunks';
import { STALE_AFTER_MS, type Cairn } from '$lib/sdk/cairn';
import { HEARTBEAT_MS } from '$lib/sdk/run-handle';
import { dumpStore, openTestCairn } from '../helpers';

const open: Cairn[] = [];
async function setup(options?: Parameters<typeof openTestCairn>[0]) {
	const t = await openTestCairn(options);
	open.push(t.cairn);
	return t;
}
afterEach(() => {
	for (const c of open.splice(0)) c.close();
});

describe('startRun', () => {
	it('records params, tags, data, env and a templated name', async () => {
		const { cairn } = await setup();
		const run = await cairn.startRun({
			project: 'churn',
			params: { model: 'xgb', lr: 0.1 },
			tags: ['baseline'],
			data: { source: 'warehouse.churn', version: '2026-11-01', seed: 7, splitLogic: 'random 80/20' },
			env: { libraries: { xgboost: '2.1' }, code: { repo: 'git@x:churn', commit: 'abc123', dirty: false } }
		});
		expect(run.name).toMatch(/^churn-xgb-\d{8}-\d{6}$/);
		const record = await cairn.runs.get(run.id);
		expect(record).toMatchObject({
			projectId: 'churn',
			status: 'running',
			author: 'tester',
			params: { model: 'xgb', lr: 0.1 },
			tags: ['baseline'],
			data: { source: 'warehouse.churn', version: '2026-11-01', seed: 7 },
			env: { libraries: { xgboost: '2.1' }, code: { commit: 'abc123', dirty: false } }
		});
		expect(await cairn.projects.get('churn')).toMatchObject({ id: 'churn', namingTemplate: '{project}-{model}-{yyyyMMdd-HHmmss}' });
	});

	it('rejects bad options without creating a project or a run', async () => {
		const { cairn } = await setup();
		const before = await dumpStore(cairn);
		await expect(cairn.startRun({ project: 'Bad Project' })).rejects.toThrow(/project id/);
		await expect(cairn.startRun({ project: 'ok', params: { lr: { nested: 1 } } as never })).rejects.toThrow(/dotted keys/);
		await expect(cairn.startRun({ project: 'ok', data: { source: '' } })).rejects.toThrow(/data.source/);
		await expect(cairn.startRun({ project: 'ok', tags: ['constructor'] })).rejects.toThrow(ForbiddenKeyError);
		expect(await dumpStore(cairn)).toEqual(before);
	});
});

describe('logging metrics', () => {
	it('commits every point on flush, NaN and ±Infinity faithfully, with summaries', async () => {
		const { cairn, clock } = await setup();
		const run = await cairn.startRun({ project: 'p' });
		const losses = [2.5, 1.25, NaN, Infinity, -Infinity, 0.5];
		losses.forEach((loss, step) => {
			clock.now += 1000;
			run.log({ loss, acc: step / 10 }, { step, split: 'train' });
		});
		run.log({ loss: 0.7 }, { step: 5, split: 'val' });
		await run.flush();
		const train = await cairn.metrics.readSeries(run.id, seriesId('loss', 'train'));
		expect([...train.values]).toEqual(losses);
		expect([...train.steps]).toEqual([0, 1, 2, 3, 4, 5]);
		expect(train.times[1]! - train.times[0]!).toBe(1000);
		const record = await cairn.runs.get(run.id);
		expect(record?.summaries[seriesId('loss', 'train')]).toMatchObject({ min: 0.5, max: 2.5, count: 6, nonFinite: 3, last: 0.5, lastStep: 5 });
		expect(record?.summaries[seriesId('loss', 'val')]).toMatchObject({ last: 0.7, count: 1 });
		expect(Object.keys(record?.summaries ?? {}).sort()).toEqual(['acc@train', 'loss@train', 'loss@val']);
	});

	it('schedules a bounded number of timers however fast it logs (no per-call rescheduling)', async () => {
		const { cairn } = await setup();
		const run = await cairn.startRun({ project: 'p' });
		const spy = vi.spyOn(globalThis, 'setTimeout');
		try {
			for (let step = 0; step < 600_000; step++) run.log({ loss: step }, { step });
			// One timer for the periodic flush, one when the buffer passes EAGER_FLUSH_POINTS.
			expect(spy.mock.calls.length).toBeLessThanOrEqual(2);
		} finally {
			spy.mockRestore();
		}
		await run.finish();
		expect((await cairn.metrics.readSeries(run.id, 'loss@train')).values.length).toBe(600_000);
	});

	it('auto-increments steps when none is given', async () => {
		const { cairn } = await setup();
		const run = await cairn.startRun({ project: 'p' });
		run.log({ x: 1 });
		run.log({ x: 2 });
		run.log({ x: 3 }, { step: 10 });
		run.log({ x: 4 });
		await run.flush();
		expect([...(await cairn.metrics.readSeries(run.id, 'x@train')).steps]).toEqual([0, 1, 10, 11]);
	});

	it('a rejected log call buffers nothing, even when its first key was fine', async () => {
		const { cairn } = await setup();
		const run = await cairn.startRun({ project: 'p', strictSplits: true });
		run.log({ loss: 1 }, { step: 0 });
		await run.flush();
		const before = await dumpStore(cairn);
		expect(() => run.log({ loss: 2, acc: '0.9' as unknown as number }, { step: 1 })).toThrow(InvalidMetricValueError);
		expect(() => run.log({ loss: 2 }, { step: NaN })).toThrow(InvalidStepError);
		expect(() => run.log({ loss: 2 }, { step: Infinity })).toThrow(InvalidStepError);
		expect(() => run.log({ loss: 2 }, { split: 'holdout' })).toThrow(UnknownSplitError);
		expect(() => run.log({ '': 2 })).toThrow(/empty/);
		expect(() => run.log({ ['x'.repeat(300)]: 2 })).toThrow(/limit is 250/);
		expect(() => run.log(JSON.parse('{"loss": 2, "__proto__": 1}'))).toThrow(ForbiddenKeyError);
		expect(() => run.log({ constructor: 1 })).toThrow(ForbiddenKeyError);
		expect(() => run.log(null as never)).toThrow(InvalidFieldError);
		await run.flush();
		expect(await dumpStore(cairn)).toEqual(before);
	});

	it('keeps points of a failed flush and commits them on the next one', async () => {
		const { cairn } = await setup();
		const run = await cairn.startRun({ project: 'p' });
		const commit = cairn.metrics.commit.bind(cairn.metrics);
		let fail = true;
		cairn.metrics.commit = async (...args) => {
			if (fail) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
			return commit(...args);
		};
		for (let i = 0; i < 5000; i++) run.log({ v: i }, { step: i });
		await expect(run.flush()).rejects.toThrow(/quota/);
		expect((await cairn.metrics.readSeries(run.id, 'v@train')).values.length).toBe(0);
		for (let i = 5000; i < 6000; i++) run.log({ v: i }, { step: i });
		fail = false;
		await run.finish();
		const values = (await cairn.metrics.readSeries(run.id, 'v@train')).values;
		expect(values.length).toBe(6000);
		expect(values.every((v, i) => v === i)).toBe(true);
		expect((await cairn.runs.get(run.id))?.status).toBe('finished');
	});
});

describe('params, tags, notes and finishing', () => {
	it('params are write-once and a conflict leaves the run unchanged', async () => {
		const { cairn } = await setup();
		const run = await cairn.startRun({ project: 'p', params: { lr: 0.1 } });
		await run.logParams({ lr: 0.1, batch: 32 });
		const before = await dumpStore(cairn);
		await expect(run.logParams({ batch: 64, extra: 1 })).rejects.toThrow(ParamConflictError);
		expect(await dumpStore(cairn)).toEqual(before);
		expect((await cairn.runs.get(run.id))?.params).toEqual({ lr: 0.1, batch: 32 });
	});

	it('sets tags and notes, finishes with a status and then refuses more points', async () => {
		const { cairn, clock } = await setup();
		const run = await cairn.startRun({ project: 'p' });
		await run.setTags(['a', 'b', 'a']);
		await run.setNote('# Result\nfine');
		clock.now += 5000;
		await run.finish({ status: 'failed' });
		const record = await cairn.runs.get(run.id);
		expect(record).toMatchObject({ tags: ['a', 'b'], notes: '# Result\nfine', status: 'failed', endedAt: clock.now });
		expect(() => run.log({ x: 1 })).toThrow(RunClosedError);
		await expect(run.finish()).rejects.toThrow(RunClosedError);
	});

	it('rejects unknown final statuses', async () => {
		const { cairn } = await setup();
		const run = await cairn.startRun({ project: 'p' });
		await expect(run.finish({ status: 'running' as never })).rejects.toThrow(/status/);
		run.log({ x: 1 });
		await run.finish();
	});
});

describe('stale runs', () => {
	it('marks runs whose page died as killed on the next start', async () => {
		const dbName = `stale-${Math.random()}`;
		const { cairn, clock } = await setup({ dbName });
		const dead = await cairn.startRun({ project: 'p' });
		const done = await cairn.startRun({ project: 'p' });
		await done.finish();
		const startedAt = clock.now;
		cairn.close();
		const { cairn: later } = await setup({ dbName, start: startedAt + STALE_AFTER_MS + 1 });
		expect(await later.runs.get(dead.id)).toMatchObject({ status: 'killed', endedAt: startedAt });
		expect((await later.runs.get(done.id))?.status).toBe('finished');
	});

	it('a live run refreshes its heartbeat; an idle flush writes nothing', async () => {
		vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
		try {
			const { cairn, clock } = await setup();
			const run = await cairn.startRun({ project: 'p' });
			const before = await dumpStore(cairn);
			await run.flush();
			expect(await dumpStore(cairn)).toEqual(before);
			clock.now += HEARTBEAT_MS;
			vi.advanceTimersByTime(HEARTBEAT_MS);
			await run.flush();
			expect((await cairn.runs.get(run.id))?.heartbeatAt).toBe(clock.now);
			await run.finish();
		} finally {
			vi.useRealTimers();
		}
	});

	it('leaves runs with a fresh heartbeat running', async () => {
		const dbName = `fresh-${Math.random()}`;
		const { cairn, clock } = await setup({ dbName });
		const live = await cairn.startRun({ project: 'p' });
		const { cairn: other } = await setup({ dbName, start: clock.now + 1000 });
		expect((await other.runs.get(live.id))?.status).toBe('running');
	});
});
