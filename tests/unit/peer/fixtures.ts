/** Shared by the peer tests: temp directories, runs and chunks in a workspace document. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type * as Y from 'yjs';
import type { RunRecord } from '$lib/core/types';
import { newRunMap, root, seriesEntryKey, type SeriesEntry } from '$lib/sync/doc-schema';

const dirs: string[] = [];

/** A fresh directory under the OS temp dir; removeTempDirs() in afterEach/afterAll. */
export async function tempDir(): Promise<string> {
	const dir = await mkdtemp(join(tmpdir(), 'cairn-peer-test-'));
	dirs.push(dir);
	return dir;
}

export async function removeTempDirs(): Promise<void> {
	for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
}

export function makeRun(id: string, overrides: Partial<RunRecord> = {}): RunRecord {
	return {
		id,
		projectId: 'churn',
		name: `run ${id}`,
		status: 'finished',
		startedAt: Date.UTC(2026, 0, 1),
		endedAt: Date.UTC(2026, 0, 1, 1),
		heartbeatAt: Date.UTC(2026, 0, 1, 1),
		author: 'tester',
		params: { lr: 0.01 },
		tags: ['baseline'],
		notes: '',
		data: null,
		env: {},
		parentRunId: null,
		reproducesRunId: null,
		summaries: {},
		strictSplits: false,
		...overrides,
	};
}

export function addRun(doc: Y.Doc, run: RunRecord): void {
	doc.transact(() => root<Y.Map<unknown>>(doc, 'runs').set(run.id, newRunMap(run)));
}

export function sha256(bytes: Uint8Array): string {
	return createHash('sha256').update(bytes).digest('hex');
}

/** Some bytes that look like a metric chunk (steps | times | values), and their hash. */
export function metricChunk(points: number, seed = 1): { hash: string; bytes: Uint8Array<ArrayBuffer> } {
	const values = new Float64Array(points * 3);
	for (let i = 0; i < points; i++) {
		values[i] = i;
		values[points + i] = Date.UTC(2026, 0, 1) + i * 1000;
		values[2 * points + i] = Math.sin(i * seed);
	}
	const bytes = new Uint8Array(values.buffer);
	return { hash: sha256(bytes), bytes };
}

/** References a sealed chunk from the `series` map, as the metrics writer does. */
export function addSeriesChunk(doc: Y.Doc, runId: string, series: string, seq: number, hash: string, points: number): void {
	const entry: SeriesEntry = { hash, points, firstStep: 0, lastStep: points - 1 };
	doc.transact(() => root<SeriesEntry>(doc, 'series').set(seriesEntryKey(runId, series, seq), entry));
}
