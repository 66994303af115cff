import { expect, it } from 'vitest';
import { ENVELOPE_BUCKETS, METRIC_CHUNK_POINTS, chunkEnvelope } from '$lib/core/metric-chunks';
import { openTestCairn } from '../helpers';

it('a chunk envelope keeps the extremes, the ends and non-finite values', () => {
	const n = METRIC_CHUNK_POINTS;
	const values = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 10));
	values[1000] = 50;
	values[2000] = -50;
	values[3000] = NaN;
	values[3500] = Infinity;
	const env = chunkEnvelope({ steps: Float64Array.from({ length: n }, (_, i) => i), times: new Float64Array(n), values });
	const m = env.length / 3;
	expect(m).toBeLessThanOrEqual(ENVELOPE_BUCKETS * 4 + 8);
	const vals = [...env.subarray(2 * m)];
	const steps = [...env.subarray(0, m)];
	expect(vals).toContain(50);
	expect(vals).toContain(-50);
	expect(vals.some(Number.isNaN)).toBe(true);
	expect(vals).toContain(Infinity);
	expect(steps[0]).toBe(0);
	expect(steps[m - 1]).toBe(n - 1);
	expect(steps.every((s, i) => i === 0 || s > steps[i - 1]!)).toBe(true);
});

it('readSeriesOverview draws long series from envelopes and short ones exactly', async () => {
	const { cairn } = await openTestCairn();
	const run = await cairn.startRun({ project: 'p' });
	const total = 3 * METRIC_CHUNK_POINTS + 100;
	for (let step = 0; step < total; step++) run.log({ loss: step === 5000 ? 1e6 : step === 9000 ? NaN : 1 / (step + 1), short: step }, { step });
	await run.finish();
	const long = await cairn.metrics.readSeriesOverview(run.id, 'loss@train');
	expect(long.complete).toBe(false);
	expect(long.points.values.length).toBeLessThan(total / 8);
	expect([...long.points.values]).toContain(1e6);
	expect([...long.points.values].some(Number.isNaN)).toBe(true);
	// The unsealed tail is exact: its last 100 points are all there.
	expect([...long.points.steps.subarray(-100)]).toEqual(Array.from({ length: 100 }, (_, i) => total - 100 + i));
	const full = await cairn.metrics.readSeries(run.id, 'loss@train');
	expect(full.values.length).toBe(total);

	const run2 = await cairn.startRun({ project: 'p' });
	for (let step = 0; step < 10; step++) run2.log({ acc: step / 10 }, { step });
	await run2.finish();
	const short = await cairn.metrics.readSeriesOverview(run2.id, 'acc@train');
	expect(short.complete).toBe(true);
	expect([...short.points.values]).toEqual(Array.from({ length: 10 }, (_, i) => i / 10));
	cairn.close();
});
