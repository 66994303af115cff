// @ts-check
/**
 * Artifact hashing and ingest (issue 3) in real Chromium with a persistent
 * profile, against native tools on the same files in the same run:
 * - anchors: coreutils `sha256sum` and `openssl dgst -sha256` (each run twice,
 *   the second — page cache warm — counts) and Node's crypto with 4 MiB reads;
 * - browser: whole-file SHA-256 of a 1 GiB and a 256 MiB file through the worker
 *   pool, full ingest of the 1 GiB file into IndexedDB (fresh workers),
 *   re-ingest of the same file (dedup), and the longest main-thread task during
 *   the ingest.
 * The files are random bytes generated under a temp dir and deleted after. The
 * page gives the pool File objects from an <input type=file> (setInputFiles
 * passes paths, so no bytes go through the test driver).
 *
 * The app exposes `globalThis.cairnDebug = { IngestPool, dbName }`.
 *
 *   npm run build && node bench/artifacts.mjs     (writes bench/results/artifacts.json)
 *   BENCH_ARTIFACT_MIB=256 node bench/artifacts.mjs   (a quicker run with a smaller "big" file)
 *   BENCH_ARTIFACT_ONLY=ingest node bench/artifacts.mjs (the ingest and re-ingest alone, for a
 *     profiler; writes bench/tmp/artifacts-ingest.json, not the results)
 */
import { execFile } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { measurePhase } from './proc-stats.mjs';

const run = promisify(execFile);
const MiB = 1024 * 1024;
/** Decimal megabytes, as the tools and the figures use. */
const MB = 1e6;

/** @param {string} path @param {number} bytes */
function writeRandomFile(path, bytes) {
	const fd = openSync(path, 'w');
	const buffer = Buffer.alloc(16 * MiB);
	try {
		for (let done = 0; done < bytes; done += buffer.length) {
			randomFillSync(buffer);
			writeSync(fd, buffer, 0, Math.min(buffer.length, bytes - done));
		}
	} finally {
		closeSync(fd);
	}
}

/** Seconds of the second of two runs (the first warms the page cache), and the printed hex. @param {string} cmd @param {string[]} args */
async function timeTool(cmd, args) {
	let seconds = 0;
	let stdout = '';
	for (let i = 0; i < 2; i++) {
		const t = performance.now();
		({ stdout } = await run(cmd, args, { maxBuffer: MiB }));
		seconds = (performance.now() - t) / 1000;
	}
	const hex = /\b([0-9a-f]{64})\b/.exec(stdout)?.[1] ?? null;
	return { seconds, hex };
}

/** Node's crypto over 4 MiB reads (its createReadStream default of 64 KiB halves the rate). @param {string} path */
function nodeSha256(path) {
	const t = performance.now();
	const hash = createHash('sha256');
	const buffer = Buffer.alloc(4 * MiB);
	const fd = openSync(path, 'r');
	try {
		for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0; ) hash.update(buffer.subarray(0, n));
	} finally {
		closeSync(fd);
	}
	return { seconds: (performance.now() - t) / 1000, hex: hash.digest('hex') };
}

/** @param {string} path @param {number} bytes */
async function anchors(path, bytes) {
	const sha256sum = await timeTool('sha256sum', [path]);
	const openssl = await timeTool('openssl', ['dgst', '-sha256', path]);
	const node = nodeSha256(path);
	if (sha256sum.hex !== openssl.hex || sha256sum.hex !== node.hex) throw new Error(`the anchors disagree on ${path}`);
	const rate = (/** @type {number} */ s) => +(bytes / s / MB).toFixed(0);
	return {
		sha256: /** @type {string} */ (sha256sum.hex),
		sha256sumMBps: rate(sha256sum.seconds),
		opensslMBps: rate(openssl.seconds),
		nodeCryptoMBps: rate(node.seconds)
	};
}

/**
 * One timed call in the page. `op` names what to run on the pool; the result
 * carries the page-side time, the answer, and (for ingests) main-thread figures.
 * @param {import('playwright-core').Page} page
 * @param {{ op: 'hash' | 'ingest', file: number, dbName?: string, bytes?: boolean }} what
 *   `bytes`: the file's bytes, already in the page as a Uint8Array (`__cairnBenchBytes`), as an SDK call passes them
 */
function inPage(page, what) {
	return page.evaluate(async ({ op, file, dbName, bytes }) => {
		const g = /** @type {any} */ (globalThis);
		const input = /** @type {HTMLInputElement} */ (document.getElementById('cairn-bench-files'));
		const picked = /** @type {File} */ (input.files?.[file]);
		/** @type {File | Uint8Array} */
		const source = bytes ? g.__cairnBenchBytes : picked;
		/** @type {any} */
		const pool = g.__cairnBenchPool;
		// Main-thread responsiveness: long tasks (≥ 50 ms, as the browser reports them)
		// and the worst gap between 10 ms timer ticks.
		/** @type {number[]} */
		const longTasks = [];
		const observer = new PerformanceObserver((list) => {
			for (const entry of list.getEntries()) longTasks.push(entry.duration);
		});
		observer.observe({ type: 'longtask', buffered: false });
		// What ran in the longest frame with a long task (Long Animation Frames: scripts with their invokers).
		/** @type {{ duration: number, scripts: string[] } | null} */
		let longestFrame = null;
		const frames = new PerformanceObserver((list) => {
			for (const entry of /** @type {any[]} */ (list.getEntries())) {
				if (longestFrame && entry.duration <= longestFrame.duration) continue;
				longestFrame = {
					duration: Math.round(entry.duration),
					scripts: (entry.scripts ?? []).map(
						(/** @type {any} */ s) => `${s.invoker || s.invokerType} ${s.sourceFunctionName || ''}@${String(s.sourceURL).split('/').pop()}: ${Math.round(s.duration)} ms`
					)
				};
			}
		});
		if (PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')) frames.observe({ type: 'long-animation-frame', buffered: false });
		let lastTick = performance.now();
		let worstGap = 0;
		const ticker = setInterval(() => {
			const now = performance.now();
			worstGap = Math.max(worstGap, now - lastTick);
			lastTick = now;
		}, 10);
		let progressEvents = 0;
		const t = performance.now();
		try {
			const result =
				op === 'hash'
					? await pool.hash(source, { onProgress: () => progressEvents++ })
					: await pool.ingest(source, { dbName, label: picked.name, onProgress: () => progressEvents++ });
			const ms = performance.now() - t;
			await new Promise((r) => setTimeout(r, 100));
			return { ms, result, longestTaskMs: Math.max(0, ...longTasks), longTasks: longTasks.length, longestFrame: longTasks.length ? longestFrame : null, worstTimerGapMs: worstGap, progressEvents };
		} finally {
			observer.disconnect();
			frames.disconnect();
			clearInterval(ticker);
		}
	}, what);
}

/** Deletes the page's IndexedDB database `dbName` (best effort: a bench leaves no GiBs behind). @param {import('playwright-core').Page} page @param {string} dbName */
function dropDatabase(page, dbName) {
	return page.evaluate(
		(dbName) =>
			new Promise((resolve) => {
				const req = indexedDB.deleteDatabase(dbName);
				req.onsuccess = req.onerror = req.onblocked = resolve;
			}),
		dbName
	);
}

/**
 * Replaces the page's ingest pool with a new one, started and warm (each
 * worker's hashing thread warms up on start), and lets the old one's memory go.
 * @param {import('playwright-core').Page} page
 */
async function freshPool(page) {
	await page.evaluate(async () => {
		const g = /** @type {any} */ (globalThis);
		g.__cairnBenchPool?.terminate();
		g.__cairnBenchPool = new g.cairnDebug.IngestPool();
		await g.__cairnBenchPool.hash(new Blob([new Uint8Array(1024)]));
		await g.__cairnBenchPool.hash(new Blob([new Uint8Array(1024)]));
	});
	await new Promise((r) => setTimeout(r, 2000));
}

/**
 * @param {import('playwright-core').Page} page
 * @param {string} baseUrl
 * @param {{ bigBytes?: number, midBytes?: number, write?: boolean }} [options]
 */
export async function benchArtifacts(page, baseUrl, options = {}) {
	const bigBytes = options.bigBytes ?? Number(process.env.BENCH_ARTIFACT_MIB ?? 1024) * MiB;
	const midBytes = options.midBytes ?? Math.min(256 * MiB, bigBytes);
	const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-artifacts-'));
	const bigPath = join(dir, 'big.bin');
	const midPath = join(dir, 'mid.bin');
	const dbName = 'cairn-bench-artifacts';
	try {
		console.log(`artifacts: generating ${bigBytes / MiB} MiB and ${midBytes / MiB} MiB of random bytes…`);
		writeRandomFile(bigPath, bigBytes);
		writeRandomFile(midPath, midBytes);
		// Let the kernel write the new files back now, not while the anchors run.
		await run('sync');
		console.log('artifacts: anchors (sha256sum, openssl, node)…');
		const bigAnchor = await anchors(bigPath, bigBytes);
		const midAnchor = await anchors(midPath, midBytes);
		console.log({ big: bigAnchor, mid: midAnchor });

		await page.goto(baseUrl);
		await page
			.waitForFunction(() => 'cairnDebug' in globalThis, undefined, { timeout: 15_000 })
			.catch(() => {
				throw new Error('the app does not expose globalThis.cairnDebug = { IngestPool, dbName } (root layout)');
			});
		// Let the service worker finish precaching first: it competes for the CPU.
		await page.evaluate(() => Promise.race([navigator.serviceWorker?.ready, new Promise((r) => setTimeout(r, 10_000))]));
		await new Promise((r) => setTimeout(r, 2000));
		await page.evaluate(async (dbName) => {
			const input = document.createElement('input');
			input.type = 'file';
			input.multiple = true;
			input.id = 'cairn-bench-files';
			input.hidden = true;
			document.body.append(input);
			await new Promise((resolve, reject) => {
				const req = indexedDB.deleteDatabase(dbName);
				req.onsuccess = resolve;
				req.onerror = () => reject(req.error);
			});
		}, dbName);
		await freshPool(page);
		await page.setInputFiles('#cairn-bench-files', [bigPath, midPath]);
		await new Promise((r) => setTimeout(r, 1000));

		/** @param {number} bytes @param {number} ms @param {{ sha256sumMBps: number, opensslMBps: number }} anchor */
		const rates = (bytes, ms, anchor) => {
			const mbps = bytes / (ms / 1000) / MB;
			return { seconds: +(ms / 1000).toFixed(3), MBps: +mbps.toFixed(0), ratioToSha256sum: +(mbps / anchor.sha256sumMBps).toFixed(2), ratioToOpenssl: +(mbps / anchor.opensslMBps).toFixed(2) };
		};
		/** @param {string} name @param {{ op: 'hash' | 'ingest', file: number, dbName?: string, bytes?: boolean }} what @param {number} bytes @param {{ sha256: string, sha256sumMBps: number, opensslMBps: number }} anchor */
		const phase = async (name, what, bytes, anchor) => {
			console.log(`artifacts: ${name}…`);
			const { value, cpu, memory } = await measurePhase(() => inPage(page, what));
			const matches = value.result.sha256 === anchor.sha256;
			if (!matches) throw new Error(`${name}: the browser's SHA-256 ${value.result.sha256} is not sha256sum's ${anchor.sha256}`);
			const out = {
				...rates(bytes, value.ms, anchor),
				sha256MatchesSha256sum: matches,
				...(what.op === 'ingest' ? { newChunks: value.result.newChunks, newBytes: value.result.newBytes, chunks: value.result.chunks.length } : {}),
				mainThread: {
					longestTaskMs: +value.longestTaskMs.toFixed(0),
					longTasks: value.longTasks,
					...(value.longestFrame ? { longestFrame: value.longestFrame } : {}),
					worstTimerGapMs: +value.worstTimerGapMs.toFixed(0),
					progressEvents: value.progressEvents
				},
				memory,
				cpu
			};
			console.log(name, JSON.stringify(out));
			return out;
		};

		const ingestOnly = process.env.BENCH_ARTIFACT_ONLY === 'ingest';
		const hashBig = [];
		if (!ingestOnly) hashBig.push(await phase('hash 1 GiB (streamed)', { op: 'hash', file: 0 }, bigBytes, bigAnchor));
		if (!ingestOnly) hashBig.push(await phase('hash 1 GiB (streamed), again', { op: 'hash', file: 0 }, bigBytes, bigAnchor));
		const hashMid = [];
		for (let i = 0; i < (ingestOnly ? 0 : 3); i++) hashMid.push(await phase(`hash ${midBytes / MiB} MiB (one shot) #${i + 1}`, { op: 'hash', file: 1 }, midBytes, midAnchor));
		// The ingest starts with fresh workers: the one-shot hashes leave ~0.5 GiB of
		// garbage in theirs, which — collected during the ingest — took CPU from it
		// and hid its memory figure (the level fell below the phase's baseline).
		if (!ingestOnly) await freshPool(page);
		const ingest = await phase('ingest 1 GiB', { op: 'ingest', file: 0, dbName }, bigBytes, bigAnchor);
		const reingest = await phase('re-ingest 1 GiB (dedup)', { op: 'ingest', file: 0, dbName }, bigBytes, bigAnchor);
		// The same bytes handed over in memory (an SDK call with a Uint8Array), into a
		// database of their own (the file's chunks would make it a re-ingest). They are
		// loaded before the phase: its memory figure is the ingest's, not theirs.
		await page.evaluate(async () => {
			const input = /** @type {HTMLInputElement} */ (document.getElementById('cairn-bench-files'));
			const file = /** @type {File} */ (input.files?.[0]);
			/** @type {any} */ (globalThis).__cairnBenchBytes = new Uint8Array(await file.arrayBuffer());
		});
		await new Promise((r) => setTimeout(r, 1000));
		const ingestFromBytes = await phase('ingest 1 GiB from bytes in the page', { op: 'ingest', file: 0, dbName: `${dbName}-bytes`, bytes: true }, bigBytes, bigAnchor);
		await page.evaluate(() => delete (/** @type {any} */ (globalThis).__cairnBenchBytes));
		await dropDatabase(page, `${dbName}-bytes`);

		// A re-logged file skips the whole-file hash only when the schema has the file-digest cache table.
		const fileDigestCache = await page.evaluate(
			(dbName) =>
				new Promise((resolve) => {
					const req = indexedDB.open(dbName);
					req.onsuccess = () => {
						resolve(req.result.objectStoreNames.contains('fileDigests'));
						req.result.close();
					};
					req.onerror = () => resolve(false);
				}),
			dbName
		);

		await page.evaluate(() => /** @type {any} */ (globalThis).__cairnBenchPool.terminate());
		await dropDatabase(page, dbName);

		/** The fastest run; undefined when the phase was skipped (BENCH_ARTIFACT_ONLY). */
		const best = (/** @type {{ seconds: number }[]} */ runs) => (runs.length ? runs.reduce((a, b) => (b.seconds < a.seconds ? b : a)) : undefined);
		const results = {
			date: new Date().toISOString(),
			machine: { cpus: cpus().length, model: cpus()[0]?.model },
			files: { bigBytes, midBytes },
			anchors: { big: bigAnchor, mid: midAnchor },
			hashBig: { best: best(hashBig), runs: hashBig, goal: { ratioToSha256sum: 0.85 } },
			hashMid: { best: best(hashMid), runs: hashMid, goal: { ratioToSha256sum: 2, ratioToOpenssl: 0.5 } },
			ingest: { ...ingest, goal: { ratioToSha256sum: 0.8, peakExtraMemoryMiB: 128, longestTaskMs: 50 } },
			reingest: { ...reingest, fileDigestCache, speedupOverFirstIngest: +(ingest.seconds / reingest.seconds).toFixed(2), goal: { speedupOverFirstIngest: 3 } },
			ingestFromBytes: { ...ingestFromBytes, goal: { longestTaskMs: 50 } }
		};
		if (options.write !== false) {
			const out = ingestOnly ? new URL('./tmp/artifacts-ingest.json', import.meta.url) : new URL('./results/artifacts.json', import.meta.url);
			await mkdir(new URL('.', out), { recursive: true });
			await writeFile(out, JSON.stringify(results, null, 2) + '\n');
			console.log(`wrote ${fileURLToPath(out)}`);
		}
		return results;
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const { openBench } = await import('./browser.mjs');
	const bench = await openBench();
	try {
		await benchArtifacts(bench.page, bench.server.url);
	} finally {
		await bench.close();
	}
}
