import { describe, expect, it } from 'vitest';
import { BASE_COLUMNS, discoverKeys, filterRuns, formatCell, formatNumber, metricColumn, paramColumn, sortRuns, varyingParams } from '$lib/core/run-table';
import type { RunRecord } from '$lib/core/types';

function run(id: string, over: Partial<RunRecord> = {}): RunRecord {
	return {
		id, projectId: 'p', name: id, status: 'finished', startedAt: 0, endedAt: 10, heartbeatAt: 10, author: 'a',
		params: {}, tags: [], notes: '', data: null, env: {}, parentRunId: null, reproducesRunId: null, summaries: {}, strictSplits: false,
		...over
	};
}
const acc = (last: number) => ({ 'acc@val': { key: 'acc', split: 'val', last, lastStep: 1, min: last, max: last, count: 1, nonFinite: 0 } });

describe('run table model', () => {
	const runs = [
		run('a', { summaries: acc(0.8), params: { lr: 0.1 }, tags: ['baseline'] }),
		run('b', { summaries: acc(NaN), params: { lr: 0.01 } }),
		run('c', { params: { lr: 1 } }),
		run('d', { summaries: acc(0.9), tags: ['mlp', 'wide'], status: 'failed' })
	];
	const columns = [...BASE_COLUMNS, metricColumn('acc@val'), paramColumn('lr')];

	it('discovers params and metric series', () => {
		expect(discoverKeys(runs)).toEqual({ params: ['lr'], metrics: ['acc@val'] });
	});
	it('sorts by a metric in both directions, NaN and missing last', () => {
		const ids = (dir: 'asc' | 'desc') => sortRuns(runs, columns, { column: 'metric:acc@val', direction: dir }, 0).map((r) => r.id);
		expect(ids('desc')).toEqual(['d', 'a', 'b', 'c']);
		expect(ids('asc')).toEqual(['a', 'd', 'b', 'c']);
	});
	it('sorts params numerically and leaves the input alone', () => {
		const before = runs.map((r) => r.id);
		expect(sortRuns(runs, columns, { column: 'param:lr', direction: 'asc' }, 0).map((r) => r.id)).toEqual(['b', 'a', 'c', 'd']);
		expect(runs.map((r) => r.id)).toEqual(before);
	});
	it('filters by name, tag and status terms', () => {
		expect(filterRuns(runs, 'wide').map((r) => r.id)).toEqual(['d']);
		expect(filterRuns(runs, 'tag:baseline').map((r) => r.id)).toEqual(['a']);
		expect(filterRuns(runs, 'status:failed').map((r) => r.id)).toEqual(['d']);
		expect(filterRuns(runs, '  ').length).toBe(4);
	});
	it('formats start times as the locale does, with a cached formatter', () => {
		const run = runs[0]!;
		const expected = new Date(run.startedAt).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
		const startedAt = BASE_COLUMNS.find((c) => c.kind === 'startedAt')!;
		expect(formatCell(run, startedAt, run.startedAt)).toBe(expected);
	});

	it('formats non-finite numbers visibly', () => {
		expect([NaN, Infinity, -Infinity, 0.123456, 1e7].map(formatNumber)).toEqual(['NaN', '∞', '−∞', '0.12346', '1.000e+7']);
	});
	it('sorts 10,000 runs by a metric into a correct order', () => {
		const many = Array.from({ length: 10_000 }, (_, i) => run(`r${i}`, { summaries: acc(Math.sin(i)) }));
		const sorted = sortRuns(many, columns, { column: 'metric:acc@val', direction: 'desc' }, 0);
		for (let i = 1; i < sorted.length; i++) expect(sorted[i - 1]!.summaries['acc@val']!.last).toBeGreaterThanOrEqual(sorted[i]!.summaries['acc@val']!.last);
	});
});

describe('varyingParams', () => {
	it('keeps keys whose values differ or are missing somewhere', () => {
		const runs = [run('a', { params: { lr: 0.1, seed: 1, opt: 'sgd' } }), run('b', { params: { lr: 0.2, seed: 1 } })];
		expect(varyingParams(runs, ['lr', 'opt', 'seed'])).toEqual(['lr', 'opt']);
	});
});
