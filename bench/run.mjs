// @ts-check
/**
 * `npm run bench`: builds (via the npm script), then measures in real Chromium
 * with a persistent profile and writes bench/results/foundation.json,
 * artifacts.json (bench/artifacts.mjs) and sync.json (bench/sync.mjs).
 * Figures are reported with their anchors from the same run; BENCHMARKS.md
 * explains them. BENCH_POINTS overrides the 10 M logging points for a quick try.
 *
 * BENCH_ONLY picks sections (comma-separated): foundation, artifacts, sync;
 * e.g. `BENCH_ONLY=sync npm run bench`. Unset runs all of them. Only the
 * sections that ran rewrite their JSON.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { openBench } from './browser.mjs';
import { benchMetricLogging } from './metric-logging.mjs';
import { benchChartDraw } from './chart-draw.mjs';
import { benchRunTable } from './run-table.mjs';
import { benchArtifacts } from './artifacts.mjs';
import { benchSync } from './sync.mjs';

const SECTIONS = ['foundation', 'artifacts', 'sync'];
const only = (process.env.BENCH_ONLY ?? '').split(',').map((x) => x.trim()).filter(Boolean);
for (const name of only) if (!SECTIONS.includes(name)) throw new Error(`BENCH_ONLY: unknown section "${name}" (expected ${SECTIONS.join(', ')})`);
/** @param {string} name */
const runs = (name) => only.length === 0 || only.includes(name);

const points = Number(process.env.BENCH_POINTS ?? 10_000_000);
const results = { date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model }, results: /** @type {Record<string, unknown>} */ ({}) };

if (runs('foundation')) {
	const bench = await openBench();
	try {
		console.log(`metric logging: ${points.toLocaleString()} points…`);
		const logging = await benchMetricLogging(bench.page, { points, rowPoints: 200_000 });
		results.results.metricLogging = {
			...logging,
			ratioToBarePacked: logging.sdkPointsPerSecond / logging.barePackedPointsPerSecond,
			ratioToOneRowPerPoint: logging.sdkPointsPerSecond / logging.oneRowPerPointPointsPerSecond,
			goals: { sdkPointsPerSecond: 2_000_000, logNanosecondsPerCall: 1000, ratioToBarePacked: 0.5, ratioToOneRowPerPoint: 100 }
		};
		console.log(results.results.metricLogging);

		console.log('chart draw: 1,000,000 points from IndexedDB…');
		results.results.chartDraw = { ...(await benchChartDraw(bench.page, bench.server.url)), goals: { idbToDrawnMs: 150 } };
		console.log(results.results.chartDraw);

		console.log('run table: 10,000 runs…');
		results.results.runTable = { ...(await benchRunTable(bench.page, bench.server.url, 10_000)), goals: { firstRowsMs: 1000, sortMs: 100 } };
		console.log(results.results.runTable);

	} finally {
		await bench.close();
	}
}

if (runs('artifacts') && process.env.BENCH_SKIP_ARTIFACTS !== '1') {
	// A fresh profile: the metric benchmarks above leave ~250 MB in IndexedDB, and
	// Chromium's writes get costlier as an origin's store grows.
	console.log('artifacts: hashing and ingest of 1 GiB and 256 MiB files (writes bench/results/artifacts.json)…');
	const fresh = await openBench();
	try {
		await benchArtifacts(fresh.page, fresh.server.url);
	} finally {
		await fresh.close();
	}
}
if (runs('foundation')) {
	await mkdir(new URL('./results/', import.meta.url), { recursive: true });
	await writeFile(new URL('./results/foundation.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
	console.log('wrote bench/results/foundation.json');
}

if (runs('sync')) {
	// Fresh profiles, an always-on peer and its own servers (writes bench/results/sync.json).
	await benchSync();
}
