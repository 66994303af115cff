/**
 * Read models for the pages. Pages subscribe to these through LiveQuery; the
 * queries read only through the repositories and the Dexie tables they own.
 */
import { parseSeriesId } from '$lib/core/metric-chunks';
import type { ProjectRecord, RunRecord, SeriesPoints } from '$lib/core/types';
import { abortWith } from './abort-with';
import type { CairnDb } from './db';
import type { MetricRepository } from './metrics-repo';

export interface ProjectSummary extends ProjectRecord {
	runCount: number;
	running: number;
	lastStartedAt: number | null;
}

/**
 * Projects with their run counts. The counts read the runs, which wait behind
 * a large write in progress (a first sync projecting 10,000 runs); aborting
 * `signal` aborts that read, so a page left meanwhile does not have IndexedDB
 * count 10,000 runs (~150 ms of its thread) ahead of the next page's reads.
 */
export async function listProjectSummaries(db: CairnDb, signal?: AbortSignal): Promise<ProjectSummary[]> {
	const projects = await db.projects.orderBy('createdAt').toArray();
	if (projects.length === 0) return [];
	return db.transaction('r', db.runs, (tx) => {
		abortWith(tx, signal);
		return Promise.all(
			projects.map(async (project) => {
				const range = db.runs.where('[projectId+startedAt]').between([project.id, -Infinity], [project.id, Infinity]);
				const [runCount, last, running] = await Promise.all([
					range.count(),
					range.clone().last(),
					db.runs.where('status').equals('running').filter((r) => r.projectId === project.id).count()
				]);
				return { ...project, runCount, running, lastStartedAt: last?.startedAt ?? null };
			})
		);
	});
}

export interface MetricGroup {
	key: string;
	series: { split: string; id: string; points: SeriesPoints }[];
}

/**
 * Every series of a run, grouped by metric key (one chart per key, one line per
 * split). With `overview`, long series come from their chunk envelopes (fast,
 * for a first draw) and `complete` says whether every point is there.
 */
export async function readRunMetrics(metrics: MetricRepository, run: RunRecord, overview = false): Promise<{ groups: MetricGroup[]; complete: boolean }> {
	const ids = Object.keys(run.summaries).sort();
	let complete = true;
	const loaded = await Promise.all(
		ids.map(async (id) => {
			if (!overview) return { id, ...parseSeriesId(id), points: await metrics.readSeries(run.id, id) };
			const read = await metrics.readSeriesOverview(run.id, id);
			complete &&= read.complete;
			return { id, ...parseSeriesId(id), points: read.points };
		})
	);
	const groups = new Map<string, MetricGroup>();
	for (const s of loaded) {
		let group = groups.get(s.key);
		if (!group) groups.set(s.key, (group = { key: s.key, series: [] }));
		group.series.push({ split: s.split, id: s.id, points: s.points });
	}
	const order = ['train', 'val', 'test'];
	for (const g of groups.values()) g.series.sort((a, b) => (order.indexOf(a.split) + 1 || 99) - (order.indexOf(b.split) + 1 || 99) || a.split.localeCompare(b.split));
	return { groups: [...groups.values()], complete };
}
