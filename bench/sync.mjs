// @ts-check
/**
 * Team sync (issue 4) in real Chromium with persistent profiles, on loopback:
 *
 * 1. Join. A workspace of BENCH_SYNC_RUNS (10,000) runs and 1,000,000 metric
 *    points (BENCH_SYNC_SERIES_RUNS = 100 runs × 2 series × BENCH_SYNC_POINTS =
 *    5,000 points: one sealed 4,096-point chunk + one 904-point tail each) is
 *    seeded in Node straight into an always-on peer's data directory
 *    (bench/sync-seed.ts). The built peer (peer-dist/cairn-peer.mjs) serves it
 *    through the relay of scripts/serve.mjs; a fresh profile (its browser
 *    launched and left until idle, as a teammate's browser is) opens the share
 *    link, confirms the join in the UI and is timed until the workspace is fully
 *    usable: runs table showing all runs AND every sealed chunk and open tail
 *    projected into Dexie (seriesChunks, seriesTails). A probe injected into
 *    every page (addInitScript) records page-side timestamps: Dexie write
 *    transactions (Dexie's storagemutated DOM event, fired at commit), raw
 *    IndexedDB counts of the chunk index and tails (on each such event, and
 *    every second; the runs are counted by the table itself), mesh status
 *    changes, main-thread long tasks, and the table in the DOM (the Yjs
 *    document itself lives in the workspace worker, out of the page's sight). It clicks the project's link as soon as the project list
 *    shows it (a person would be slower). Bytes are the relay's payload bytes
 *    (startServer's `capture`); the peer has no WebRTC, so nothing else flows.
 * 2. Offline open. The joined profile's browser is closed and relaunched with
 *    the network off (context.setOffline(true) before navigating); the service
 *    worker serves the app. Timed: navigation → first runs-table row (as
 *    bench/run-table.mjs does), first after the relaunch, then two reloads.
 * 3. Live latency. Two more fresh profiles share a new workspace (Share dialog,
 *    join by link); A logs one point every ~100 ms for BENCH_SYNC_LIVE_SECONDS
 *    (20) s with value = its index, B shows the run page (chart open) and
 *    records, at each Dexie commit touching seriesTails/seriesChunks, which
 *    values have arrived. Both browsers read the same machine clock (Date.now()).
 *
 *   node bench/sync.mjs     (needs build/ and peer-dist/: `npm run build`; writes bench/results/sync.json)
 *   BENCH_ONLY=sync npm run bench   (the same, through bench/run.mjs)
 *
 * The join runs against the production relay first. A newcomer's whole document
 * travels as one relay frame, and the relay refuses frames over 8 MiB; when the
 * join cannot complete (the peer's connection is dropped on every attempt: given
 * up after 3 drops, or after BENCH_SYNC_JOIN_TIMEOUT_MS), it runs again with the
 * relay's frame limit raised to 64 MiB (bench-only, not what ships), so the rest
 * of the join and the offline open are still measured. Both go into the JSON.
 *
 * Other switches: BENCH_SYNC_RUNS, BENCH_SYNC_SERIES_RUNS, BENCH_SYNC_POINTS,
 * BENCH_SYNC_LIVE_SECONDS (sizes); BENCH_SYNC_RELAY_MAX_PAYLOAD=<bytes> (the
 * first join's relay frame limit); BENCH_SYNC_RELAY_LIVE=0 (skip the relay-only
 * live pass); BENCH_SYNC_PROFILE=1 (CPU profiles of the join and the first
 * offline open into bench/tmp/*.cpuprofile, summarised in the JSON; slows the
 * figures); BENCH_SYNC_SEED_REV=<git rev> (build the seeder from that revision,
 * for a build/ older than the working tree; see loadSeeder).
 *
 * For diagnosis (they slow the figures): BENCH_SYNC_JOIN_ONLY=1 (the join alone,
 * into bench/tmp/sync-join-only.json, for comparing builds back to back);
 * BENCH_SYNC_TRACE=<file.json> (a Chrome trace of every browser process and
 * thread from the join's launch, 14 s: workers, IndexedDB's backend, the
 * service worker; BENCH_SYNC_TRACE_CATEGORIES overrides the trace categories,
 * e.g. 'toplevel,disabled-by-default-v8.cpu_profiler' for JavaScript samples of
 * every thread); BENCH_PEER_PROF=<dir> (a CPU profile of the always-on peer).
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import * as Y from 'yjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium.mjs';
import { DEFAULT_MAX_PAYLOAD, attachSignaling } from '../scripts/signaling.mjs';
import { DEFAULT_ROOT, createStaticHandler, startServer } from '../scripts/serve.mjs';
import { cpuDelta, cpuSnapshot } from './proc-stats.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PEER_BIN = join(ROOT, 'peer-dist', 'cairn-peer.mjs');
const SEED_CONFIG = join(ROOT, 'bench', 'sync-seed.vite.config.ts');
const SEED_BUNDLE = join(ROOT, 'bench', 'tmp', 'sync-seed', 'sync-seed.mjs');
const JOIN_TIMEOUT_MS = Number(process.env.BENCH_SYNC_JOIN_TIMEOUT_MS ?? 180_000);
const MB = 1e6;

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** @param {number} x @param {number} [digits] */
const round = (x, digits = 0) => +x.toFixed(digits);
/** @param {number[]} xs @param {number} q */
function quantile(xs, q) {
	const sorted = [...xs].sort((a, b) => a - b);
	if (sorted.length === 0) return NaN;
	return /** @type {number} */ (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]);
}

// ---------------------------------------------------------------------------------------------
// The relay: scripts/serve.mjs's startServer, or the same parts with a larger frame limit.

/**
 * Counts every payload the relay forwards (the clients' ciphertext, as `capture` sees it).
 * @typedef {{ at: number, from: string, to: string | null, bytes: number }} Frame
 */
function relayMeter() {
	/** @type {Frame[]} */
	let frames = [];
	return {
		/** @param {import('../scripts/signaling.mjs').CapturedMessage} entry */
		capture(entry) {
			frames.push({ at: Date.now(), from: entry.from, to: entry.to, bytes: entry.payload.byteLength });
		},
		/** Frames since the last reset. */
		take() {
			const out = frames;
			frames = [];
			return out;
		},
	};
}

/**
 * @param {(entry: import('../scripts/signaling.mjs').CapturedMessage) => void} capture
 * @param {number} maxPayload
 */
async function startRelayServer(capture, maxPayload) {
	if (maxPayload === DEFAULT_MAX_PAYLOAD) return startServer({ port: 0, capture });
	// Same static handler and relay as startServer, with another frame limit.
	const server = createServer(createStaticHandler(DEFAULT_ROOT));
	const relay = attachSignaling(server, { capture, maxPayload });
	await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
	const address = server.address();
	const port = typeof address === 'object' && address ? address.port : 0;
	return {
		url: `http://127.0.0.1:${port}/`,
		port,
		server,
		signalingUrl: `ws://127.0.0.1:${port}${relay.path}`,
		close: async () => {
			await relay.close();
			await new Promise((resolve) => {
				server.close(() => resolve(undefined));
				server.closeAllConnections();
			});
		},
	};
}

// ---------------------------------------------------------------------------------------------
// The always-on peer (the built CLI) and the browsers.

/** @param {number} pid CPU seconds (user + system) of one process so far. */
function processCpuSeconds(pid) {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return (Number(fields[11]) + Number(fields[12])) / 100;
	} catch {
		return NaN;
	}
}

/** CPU seconds the whole machine spent busy so far (all cores; /proc/stat), and its wall clock. */
function machineCpu() {
	const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
	const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
	const total = fields.reduce((s, x) => s + x, 0);
	return { busySeconds: (total - idle) / 100, at: Date.now() };
}

/**
 * How busy the machine was between two machineCpu() readings, and how much of
 * that was not ours (other processes on this shared machine compete for the 2 cores).
 * @param {ReturnType<typeof machineCpu>} before @param {ReturnType<typeof machineCpu>} after @param {number} oursSeconds
 */
function contention(before, after, oursSeconds) {
	const wall = (after.at - before.at) / 1000;
	const busy = after.busySeconds - before.busySeconds;
	return { machineBusyCores: round(busy / wall, 2), othersCpuSeconds: round(Math.max(0, busy - oursSeconds), 2), wallSeconds: round(wall, 2) };
}

/**
 * Waits until a just-launched browser is idle: Chromium's own start-up (its
 * WebUI renderers, GPU and network processes) keeps a core busy for ~0.8 s
 * here, which a teammate opening a link in a running browser does not pay.
 * Idle = its processes used under 10 % of a core for 250 ms (at most 5 s).
 */
async function settleBrowser() {
	const total = () => Object.values(cpuSnapshot().perType).reduce((sum, v) => sum + v, 0);
	const start = Date.now();
	let before = total();
	for (;;) {
		await sleep(250);
		const now = total();
		const busy = now - before;
		before = now;
		if (busy < 0.025 || Date.now() - start > 5_000) return { waitedMs: Date.now() - start, lastQuarterSecondCpuSeconds: round(busy, 3) };
	}
}

/** @param {string} dataDir @param {string} signalingUrl */
async function startPeerProcess(dataDir, signalingUrl) {
	const child = spawn(process.execPath, [...(process.env.BENCH_PEER_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PEER_PROF] : []), PEER_BIN, '--data', dataDir, '--signal', signalingUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	child.stdout.on('data', (d) => (output += d.toString()));
	child.stderr.on('data', (d) => (output += d.toString()));
	const started = Date.now();
	while (!/signaling connected/.test(output)) {
		if (child.exitCode !== null) throw new Error(`cairn-peer exited with ${child.exitCode}:\n${output}`);
		if (Date.now() - started > 30_000) throw new Error(`cairn-peer did not connect in 30 s:\n${output}`);
		await sleep(50);
	}
	const peerId = /as peer ([A-Za-z0-9_-]+)/.exec(output)?.[1] ?? null;
	return {
		peerId,
		pid: /** @type {number} */ (child.pid),
		startupMs: Date.now() - started,
		output: () => output,
		stop: () =>
			new Promise((resolve) => {
				if (child.exitCode !== null) return resolve(child.exitCode);
				child.once('exit', (code) => resolve(code));
				child.kill('SIGTERM');
			}),
	};
}

/**
 * How fast this machine is right now, for comparing runs made at different
 * times: its speed drifts by a quarter and more over an hour. Node applies the
 * seeded workspace's document (the same 12.5 MB V2 update a newcomer applies)
 * into a fresh Y.Doc, three times warm; the median in ms.
 */
function machineSpeed(/** @type {string} */ peerDir) {
	const source = new Y.Doc();
	Y.applyUpdate(source, readFileSync(join(peerDir, 'doc.snapshot')));
	const update = Y.encodeStateAsUpdateV2(source);
	source.destroy();
	const times = [];
	for (let i = 0; i < 4; i++) {
		const t0 = performance.now();
		const doc = new Y.Doc();
		Y.applyUpdateV2(doc, update);
		times.push(performance.now() - t0);
		doc.destroy();
	}
	const warm = times.slice(1).sort((a, b) => a - b);
	return { nodeYjsApplyMs: round(warm[1] ?? 0), note: 'Y.applyUpdateV2 of the seeded document in Node, median of 3 warm runs; ~390–415 ms on a usual day here, 490–650 ms in slow spells (a join then took 6.4–6.7 s)' };
}

/** BENCH_SYNC_TRACE: the first browser launched (the join's) records a startup trace. */
let traceWanted = Boolean(process.env.BENCH_SYNC_TRACE);
function traceArgs() {
	if (!traceWanted) return null;
	traceWanted = false;
	const categories = process.env.BENCH_SYNC_TRACE_CATEGORIES ?? 'toplevel,v8,IndexedDB,disabled-by-default-v8.gc,ServiceWorker,devtools.timeline';
	return [...CHROMIUM_ARGS, `--trace-startup=${categories}`, `--trace-startup-file=${process.env.BENCH_SYNC_TRACE}`, '--trace-startup-duration=14', '--trace-startup-format=json'];
}

/** @param {string} dir */
async function launch(dir) {
	const context = await chromium.launchPersistentContext(dir, {
		executablePath: CHROMIUM_PATH,
		headless: true,
		args: traceArgs() ?? CHROMIUM_ARGS,
		viewport: { width: 1600, height: 1000 },
	});
	/** @type {string[]} */
	const errors = [];
	const watch = (/** @type {import('playwright-core').Page} */ page) => {
		page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
		page.on('console', (m) => {
			if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
		});
	};
	context.pages().forEach(watch);
	context.on('page', watch);
	const page = context.pages()[0] ?? (await context.newPage());
	return { context, page, errors };
}

/** @param {import('playwright-core').Page} page */
function meshStatus(page) {
	return page.evaluate(async () => {
		const c = await /** @type {any} */ (globalThis).cairn.getCairn();
		return JSON.parse(JSON.stringify(c.workspace?.mesh?.status ?? null));
	});
}

/** @param {import('playwright-core').Page} page @param {number} timeoutMs */
async function serviceWorkerReady(page, timeoutMs) {
	return Promise.race([
		page.evaluate(async () => {
			const registration = await navigator.serviceWorker.ready;
			return registration.active?.state ?? 'none';
		}),
		sleep(timeoutMs).then(() => 'timeout'),
	]);
}

// ---------------------------------------------------------------------------------------------
// The page-side probe of the join (installed with addInitScript: runs first in every document).

/**
 * @param {{ project: string, expect: { runs: number, seriesChunks: number, seriesTails: number } }} cfg
 */
function joinProbe(cfg) {
	const g = /** @type {any} */ (globalThis);
	const now = () => Date.now();
	const P = {
		timeOrigin: performance.timeOrigin,
		path: location.pathname,
		/** @type {Record<string, number>} */
		marks: {},
		/** @type {Record<string, { n: number, at: number }>} */
		counts: {},
		/** Dexie write transactions of the workspace database, at commit. @type {{ at: number, tables: string[] }[]} */
		writes: [],
		/** Mesh status changes. @type {{ at: number, signaling: string, peers: number, inSync: boolean, chunksPending: number }[]} */
		status: [],
		countQueries: 0,
		/** @type {string | null} */
		hookError: null,
		/** Main-thread tasks over 50 ms: start (ms after navigation start) and duration. @type {{ start: number, ms: number }[]} */
		longTasks: [],
	};
	g.__syncProbe = P;
	try {
		new PerformanceObserver((list) => {
			for (const e of list.getEntries()) P.longTasks.push({ start: Math.round(e.startTime), ms: Math.round(e.duration) });
		}).observe({ type: 'longtask', buffered: true });
	} catch {
		// No Long Tasks API: the list stays empty.
	}
	/** @param {string} name */
	const mark = (name) => {
		if (P.marks[name] === undefined) P.marks[name] = now();
	};
	mark('documentStart');
	/** @type {IDBDatabase | null} */
	let idb = null;
	let dbName = '';
	let counting = false;
	let again = false;

	const countNow = () => {
		if (!idb) return;
		if (counting) {
			again = true;
			return;
		}
		// Not the runs: the table showing "10000 of 10000 runs" read them all from Dexie, and counting
		// 10,000 rows (~100 ms of IndexedDB's thread) competed with that very read.
		const stores = /** @type {const} */ (['seriesChunks', 'seriesTails']).filter((s) => (P.counts[s]?.n ?? -1) < cfg.expect[s]);
		if (stores.length === 0) return;
		counting = true;
		P.countQueries++;
		/** @type {Record<string, number>} */
		const got = {};
		const done = () => {
			counting = false;
			if (again) {
				again = false;
				countNow();
			}
		};
		// One transaction per store: a read spanning stores would wait for the slowest writer
		// of any of them and hold up every later writer of the others (IndexedDB orders
		// transactions whose scopes overlap), perturbing what it measures.
		let left = stores.length;
		const settle = () => {
			if (--left > 0) return;
			checkComplete();
			done();
		};
		for (const s of stores) {
			try {
				const tx = idb.transaction(s, 'readonly');
				tx.objectStore(s).count().onsuccess = (e) => (got[s] = /** @type {IDBRequest<number>} */ (e.target).result);
				tx.oncomplete = () => {
					const n = got[s] ?? 0;
					P.counts[s] = { n, at: now() };
					if (n > 0) mark(`${s}:first`);
					if (n >= cfg.expect[/** @type {'runs'} */ (s)]) mark(`${s}:complete`);
					settle();
				};
				tx.onerror = tx.onabort = settle;
			} catch {
				settle();
			}
		}
	};

	const checkComplete = () => {
		const m = P.marks;
		if (m['seriesChunks:complete'] && m['seriesTails:complete'] && m.tableComplete) mark('complete');
	};

	// Dexie announces each commit as a DOM event in the writing thread and on a BroadcastChannel of the
	// same name to every other thread: the page's own writes arrive as the former, the workspace worker's as the latter.
	/** @param {Record<string, unknown> | null | undefined} detail */
	const onCommit = (detail) => {
		const keys = Object.keys(detail ?? {});
		if (!dbName || !keys.some((k) => k.startsWith(`idb://${dbName}/`))) return;
		const tables = [...new Set(keys.map((k) => k.split('/')[3] ?? ''))].filter(Boolean);
		P.writes.push({ at: now(), tables });
		if (tables.some((t) => t === 'runs' || t === 'seriesChunks' || t === 'seriesTails')) countNow();
	};
	addEventListener('x-storagemutated-1', (event) => onCommit(/** @type {CustomEvent<Record<string, unknown>>} */ (event).detail));
	new BroadcastChannel('x-storagemutated-1').onmessage = (event) => onCommit(event.data);

	const hookWorkspace = async () => {
		const c = await g.cairn.getCairn();
		const ws = c.workspace;
		if (!ws) return;
		mark('workspaceHooked');
		// `loaded`, not `ready`: reading `ready` would start the document load early and skew the figures.
		// (The document itself lives in the workspace worker: the page sees its commits to Dexie.)
		(c.loaded ?? ws.ready).then(() => mark('ready'));
		const onMesh = (/** @type {any} */ mesh) => {
			if (!mesh) return;
			mark('meshStarted');
			const record = (/** @type {any} */ s) => {
				const inSync = s.peers.length > 0 && s.docsInSync;
				P.status.push({ at: now(), signaling: s.signaling, peers: s.peers.length, inSync, chunksPending: s.chunksPending });
				if (s.signaling === 'connected') mark('signalingConnected');
				if (s.peers.length > 0) mark('peerSeen');
				if (inSync) mark('docsInSync');
			};
			record(mesh.status);
			mesh.onStatus(record);
		};
		onMesh(ws.mesh);
		ws.onMeshChange(() => onMesh(ws.mesh));
	};

	const tick = () => {
		if (!P.marks.joinDialogShown && document.querySelector('[data-testid="join-name"]')) mark('joinDialogShown');
		if (!idb && !dbName && g.cairnDebug?.dbName) {
			dbName = g.cairnDebug.dbName;
			mark('cairnOpen');
			const request = indexedDB.open(dbName);
			request.onsuccess = () => {
				idb = request.result;
				// Never hold up an upgrade of the app's own database.
				idb.onversionchange = () => idb?.close();
				countNow();
			};
			hookWorkspace().catch((e) => (P.hookError = String(e)));
		}
		if (location.pathname === '/' && !P.marks.projectClicked) {
			const link = /** @type {HTMLAnchorElement | null} */ (document.querySelector(`a[href="/p/${cfg.project}"]`));
			if (link) {
				mark('projectLinkVisible');
				link.click();
				mark('projectClicked');
			}
		}
		if (!P.marks.firstRow && document.querySelector('[data-testid="run-table"] [data-row="0"]')) {
			mark('firstRow');
			mark('runs:first');
		}
		if (!P.marks.tableComplete && P.marks.firstRow) {
			const want = `${cfg.expect.runs} of ${cfg.expect.runs} runs`;
			if ([...document.querySelectorAll('span[aria-live="polite"]')].some((s) => s.textContent?.trim() === want)) {
				mark('tableComplete');
				mark('runs:complete');
				P.counts.runs = { n: cfg.expect.runs, at: now() };
				checkComplete();
			}
		}
	};
	setInterval(tick, 50);
	// A slow safety net for the counts: commits drive them (the page's own as Dexie's DOM event, the worker's
	// on its BroadcastChannel). Counting 10,000 rows is IndexedDB work that competes with the join itself.
	setInterval(countNow, 1000);
}

/** How often the peer count fell back to 0 (the peer's relay connection dropped). @param {{ peers: number }[]} status */
function peerDrops(status) {
	let drops = 0;
	for (let i = 1; i < status.length; i++) if ((status[i - 1]?.peers ?? 0) > 0 && status[i]?.peers === 0) drops++;
	return drops;
}

/**
 * Self time per function (top 25) and per script of a V8 CPU profile, and the
 * busiest 250 ms windows, so the JSON says where the renderer's time went.
 * @param {any} profile @param {number} tLink epoch ms when the link was opened
 */
function summariseProfile(profile, tLink) {
	/** @type {Map<number, any>} */
	const nodes = new Map(profile.nodes.map((/** @type {any} */ n) => [n.id, n]));
	/** @type {Map<string, number>} */
	const byFunction = new Map();
	/** @type {Map<string, number>} */
	const byScript = new Map();
	/** @type {Map<number, number>} */
	const busyByWindow = new Map();
	let t = profile.startTime;
	const wallStartEpoch = tLink; // profile clock is monotonic µs; windows are relative to the profile's start
	for (let i = 0; i < profile.samples.length; i++) {
		const dt = (profile.timeDeltas[i] ?? 0) / 1000;
		t += profile.timeDeltas[i] ?? 0;
		const node = nodes.get(profile.samples[i]);
		const f = node?.callFrame;
		if (!f) continue;
		const name = f.functionName || '(anonymous)';
		if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') {
			byFunction.set(name, (byFunction.get(name) ?? 0) + dt);
			if (name !== '(garbage collector)') continue;
		}
		const script = (f.url || '(native)').replace(/^.*\//, '');
		const key = `${name} ${script}:${f.lineNumber + 1}`;
		if (name !== '(garbage collector)') byFunction.set(key, (byFunction.get(key) ?? 0) + dt);
		byScript.set(script, (byScript.get(script) ?? 0) + dt);
		const window = Math.floor((t - profile.startTime) / 250_000) * 250;
		busyByWindow.set(window, (busyByWindow.get(window) ?? 0) + dt);
	}
	const top = (/** @type {Map<string, number>} */ m, /** @type {number} */ n) =>
		Object.fromEntries([...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => [k, round(v)]));
	return {
		note: 'self ms per function and per script; windows: busy ms per 250 ms since the profile started (just before the link opened)',
		wallStartEpochMs: wallStartEpoch,
		selfMsByFunction: top(byFunction, 30),
		selfMsByScript: top(byScript, 12),
		busyMsPer250msWindow: Object.fromEntries([...busyByWindow].sort((a, b) => a[0] - b[0]).map(([k, v]) => [k, round(v)])),
	};
}

// ---------------------------------------------------------------------------------------------
// 1 + 2: join through the always-on peer, then offline open.

/**
 * @param {{ runs: number, seriesRuns: number, pointsPerSeries: number, maxPayload: number, seeder: any, label: string, profile: boolean, joinOnly?: boolean }} o
 */
export async function benchJoin(o) {
	const meter = relayMeter();
	const server = await startRelayServer((e) => meter.capture(e), o.maxPayload);
	const peerDir = await mkdtemp(join(tmpdir(), 'cairn-bench-peer-'));
	const profileDir = await mkdtemp(join(tmpdir(), 'cairn-bench-join-'));
	/** @type {Awaited<ReturnType<typeof startPeerProcess>> | null} */
	let peer = null;
	/** @type {Awaited<ReturnType<typeof launch>> | null} */
	let browser = null;
	try {
		console.log(`  seeding ${o.runs.toLocaleString()} runs, ${(o.seriesRuns * 2 * o.pointsPerSeries).toLocaleString()} points into the peer's directory…`);
		const seed = await o.seeder.seedWorkspace({ dir: peerDir, signalingUrl: /** @type {string} */ (server.signalingUrl), runs: o.runs, seriesRuns: o.seriesRuns, pointsPerSeries: o.pointsPerSeries });
		const rawJsonBytes = seed.rawJsonRunBytes + seed.rawJsonPointBytes;
		console.log(`  seeded in ${round(seed.seedMs)} ms: document ${round(seed.docBytes / MB, 1)} MB (tails ${round(seed.tailBytes / MB, 1)} MB), ${seed.sealedChunks} chunks ${round(seed.chunkBytes / MB, 1)} MB; raw JSON ${round(rawJsonBytes / MB, 1)} MB`);
		const speed = machineSpeed(peerDir);
		console.log(`  machine speed: Yjs applies the document in ${speed.nodeYjsApplyMs} ms in Node`);
		peer = await startPeerProcess(peerDir, /** @type {string} */ (server.signalingUrl));
		console.log(`  peer up in ${peer.startupMs} ms (loads the ${round(seed.docBytes / MB, 1)} MB document)`);
		const link = `${server.url}#/join/${seed.roomId}.${seed.key}`;

		browser = await launch(profileDir);
		const settled = await settleBrowser();
		const expect = { runs: seed.runs, seriesChunks: seed.sealedChunks, seriesTails: seed.tails };
		await browser.context.addInitScript(joinProbe, { project: seed.project, expect });
		const page = browser.page;
		meter.take();
		const cpuBefore = cpuSnapshot();
		const peerCpuBefore = processCpuSeconds(peer.pid);
		const machineBefore = machineCpu();
		const selfBefore = process.cpuUsage();

		/** @type {import('playwright-core').CDPSession | null} */
		let cdp = null;
		if (o.profile) {
			// A sampling CPU profile of the renderer (the page's thread; the workspace worker is not in it).
			cdp = await browser.context.newCDPSession(page);
			await cdp.send('Profiler.enable');
			await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
			await cdp.send('Profiler.start');
		}

		const tLink = Date.now();
		await page.goto(link);
		await page.getByTestId('join-name').fill(seed.workspaceName);
		const tJoinClick = Date.now();
		await page.getByTestId('join-workspace').getByRole('button', { name: 'Join and switch' }).click();

		/** @type {any} */
		let probe = null;
		let timedOut = false;
		/** Why the join was given up, when it was. @type {string | null} */
		let stuck = null;
		for (;;) {
			try {
				probe = await page.evaluate(() => /** @type {any} */ (globalThis).__syncProbe ?? null);
			} catch {
				probe = null; // navigating
			}
			// Joining opens the workspace in place (no reload): the probe of the link's own page.
			const current = probe;
			if (current?.marks.complete) break;
			// The peer's connection dropping again and again before the document arrived never heals by itself.
			const drops = current ? peerDrops(current.status) : 0;
			if (drops >= 3 && !current.marks.docsInSync) {
				stuck = `the peer left ${drops} times before the document arrived (its relay connection is closed on every attempt)`;
				break;
			}
			if (Date.now() - tLink > JOIN_TIMEOUT_MS) {
				stuck = `not usable after ${JOIN_TIMEOUT_MS / 1000} s`;
				break;
			}
			await sleep(250);
		}
		timedOut = stuck !== null;
		const tDone = Date.now();
		const cpu = cpuDelta(cpuBefore, cpuSnapshot());
		const selfCpu = process.cpuUsage(selfBefore);
		const peerCpu = processCpuSeconds(peer.pid) - peerCpuBefore;
		const machine = contention(machineBefore, machineCpu(), cpu.totalCpuSeconds + peerCpu + (selfCpu.user + selfCpu.system) / 1e6);
		/** @type {any} */
		let profile = null;
		if (cdp) {
			const { profile: raw } = await cdp.send('Profiler.stop');
			await mkdir(join(ROOT, 'bench', 'tmp'), { recursive: true });
			await writeFile(join(ROOT, 'bench', 'tmp', 'sync-join.cpuprofile'), JSON.stringify(raw));
			profile = summariseProfile(raw, tLink);
			await cdp.detach();
		}
		const peerCpuSeconds = round(peerCpu, 2);
		const frames = meter.take();
		const inWindow = frames.filter((f) => f.at >= tLink && f.at <= tDone);
		const fromPeer = inWindow.filter((f) => f.from === peer?.peerId);
		const relayedBytes = inWindow.reduce((s, f) => s + f.bytes, 0);
		const biggest = inWindow.reduce((m, f) => Math.max(m, f.bytes), 0);
		// Chunk answers are ~98 kB (4,096 points × 24 B + framing + AES-GCM).
		const chunkFrames = fromPeer.filter((f) => f.bytes > 90_000 && f.bytes < 200_000);

		/** @type {any} */
		const p = probe ?? { marks: {}, counts: {}, writes: [], status: [], timeOrigin: NaN };
		const m = p.marks;
		const fromReload = (/** @type {string} */ name) => (m[name] === undefined ? null : round(m[name] - p.timeOrigin));
		const fromLink = (/** @type {string} */ name) => (m[name] === undefined ? null : m[name] - tLink);
		const writesWith = (/** @type {string} */ table) => p.writes.filter((/** @type {any} */ w) => w.tables.includes(table));
		const runWrites = writesWith('runs');
		const chunkWrites = writesWith('metricChunks');
		const seriesWrites = writesWith('seriesChunks');
		// The document: one frame of ~14 MB, or (a relay link that splits packets) its pieces of ≥ 512 KiB.
		const docPieces = fromPeer.filter((f) => f.bytes >= 512 * 1024);
		const docFrame = docPieces.length ? /** @type {Frame} */ (docPieces[docPieces.length - 1]) : null;
		// Chunk round trips as the relay saw them: the browser's chunk-want frames (~165 B sealed)
		// and the peer's chunk-data answers, matched in order (the fetcher keeps 8 in flight).
		const wants = inWindow.filter((f) => f.from !== peer?.peerId && f.bytes >= 140 && f.bytes <= 220 && docFrame !== null && f.at >= docFrame.at);
		const peerServiceMs = chunkFrames.map((f, k) => (wants[k] ? f.at - /** @type {Frame} */ (wants[k]).at : NaN)).filter((x) => x >= 0);
		const inFlight = 8;
		const browserTurnaroundMs = chunkFrames.map((f, k) => (wants[k + inFlight] ? /** @type {Frame} */ (wants[k + inFlight]).at - f.at : NaN)).filter((x) => x >= 0);

		const result = {
			label: o.label,
			relayMaxPayloadBytes: o.maxPayload,
			completed: !timedOut,
			gaveUp: stuck,
			/** What a newcomer's sync step 2 carries in one relay frame (document + ~100 B of framing and AES-GCM). */
			/** fits: whether the document fits in one relay frame (it need not, where the relay link sends packets in pieces). */
			docVersusRelayFrameLimit: { docBytes: seed.docBytes, relayMaxPayloadBytes: o.maxPayload, fits: seed.docBytes + 1024 <= o.maxPayload },
			profiled: o.profile,
			workspace: {
				runs: seed.runs,
				points: seed.points,
				sealedChunks: seed.sealedChunks,
				tails: seed.tails,
				docBytes: seed.docBytes,
				tailBytesInDoc: seed.tailBytes,
				chunkBytes: seed.chunkBytes,
				rawJsonBytes,
				rawJsonRunBytes: seed.rawJsonRunBytes,
				rawJsonPointBytes: seed.rawJsonPointBytes,
			},
			ms: {
				linkToUsable: timedOut ? null : fromLink('complete'),
				navToUsable: timedOut ? null : fromReload('complete'),
				linkToJoinClick: tJoinClick - tLink,
				joinClickToUsable: timedOut ? null : m.complete - tJoinClick,
				navToFirstRow: fromReload('firstRow'),
				linkToFirstRow: fromLink('firstRow'),
				navToTableComplete: fromReload('tableComplete'),
				navToRunsInDexie: fromReload('runs:complete'),
				navToChunksInDexie: fromReload('seriesChunks:complete'),
				navToTailsInDexie: fromReload('seriesTails:complete'),
			},
			/** Every page-side mark, ms after the navigation to the share link (joining opens the workspace in place). */
			timeline: Object.fromEntries(
				Object.entries(m)
					.filter(([, v]) => typeof v === 'number' && v > 1e12)
					.sort((a, b) => a[1] - b[1])
					.map(([k, v]) => [k, round(v - p.timeOrigin)]),
			),
			breakdown: {
				docRelayedBytes: docPieces.reduce((sum, f) => sum + f.bytes, 0),
				docRelayedFrames: docPieces.length,
				docFirstFrameRelayedAtMs: docPieces[0] ? round(docPieces[0].at - p.timeOrigin) : null,
				docLastFrameRelayedAtMs: docFrame ? round(docFrame.at - p.timeOrigin) : null,
				runsCommittedMs: runWrites[0] ? round(runWrites[0].at - p.timeOrigin) : null,
				runWriteTransactions: runWrites.length,
				firstChunkStoredMs: chunkWrites[0] ? round(chunkWrites[0].at - p.timeOrigin) : null,
				lastChunkStoredMs: chunkWrites.length ? round(chunkWrites[chunkWrites.length - 1].at - p.timeOrigin) : null,
				chunkWriteTransactions: chunkWrites.length,
				seriesChunkWriteTransactions: seriesWrites.length,
				chunkFramesFromPeer: chunkFrames.length,
				chunkWantFrames: wants.length,
				/** chunk-want relayed → its chunk-data relayed: the peer's read, hash check, seal and send. */
				chunkPeerServiceMsMedian: quantile(peerServiceMs, 0.5),
				/** chunk-data relayed → the browser's next chunk-want relayed: delivery, decrypt, verify, Dexie put, next request. */
				chunkBrowserTurnaroundMsMedian: quantile(browserTurnaroundMs, 0.5),
				chunkBrowserTurnaroundMsP90: quantile(browserTurnaroundMs, 0.9),
				firstChunkFrameMs: chunkFrames[0] ? round(chunkFrames[0].at - p.timeOrigin) : null,
				lastChunkFrameMs: chunkFrames.length ? round(/** @type {Frame} */ (chunkFrames[chunkFrames.length - 1]).at - p.timeOrigin) : null,
				dexieWriteTransactions: p.writes.length,
				countQueries: p.countQueries,
				maxChunksPending: p.status.reduce((/** @type {number} */ mx, /** @type {any} */ s) => Math.max(mx, s.chunksPending), 0),
			},
			bytes: {
				relayed: relayedBytes,
				relayedFrames: inWindow.length,
				fromPeer: fromPeer.reduce((s, f) => s + f.bytes, 0),
				biggestFrame: biggest,
				ratioToRawJson: round(relayedBytes / rawJsonBytes, 3),
				webrtc: 0,
			},
			cpu: { chromium: cpu, peerSeconds: peerCpuSeconds, wallSeconds: round((tDone - tLink) / 1000, 2), machine },
			counts: p.counts,
			/** The browser was launched, then left until idle before the link opened (settleBrowser). */
			browserSettled: settled,
			machineSpeed: speed,
			peerDrops: peerDrops(p.status),
			/** Main-thread tasks over 50 ms (principle 6's limit): start ms after navigation start, duration ms. */
			longTasks: (p.longTasks ?? []).filter((/** @type {any} */ t) => t.ms > 50),
			longestMainThreadTaskMs: (p.longTasks ?? []).reduce((/** @type {number} */ mx, /** @type {any} */ t) => Math.max(mx, t.ms), 0),
			profile,
			/** @type {any} */
			spotCheck: null,
			/** @type {any[]} */
			workerTimings: [],
			/** @type {string | null} */
			serviceWorker: null,
			/** @type {any} */
			offline: null,
			/** @type {any} */
			diagnosis: null,
			peerLog: peer.output().split('\n').filter(Boolean).slice(-6),
			pageErrors: browser.errors.slice(0, 10),
		};

		// An incomplete join: what the page holds (the workspace reports invalid records only to an
		// onError callback the app does not set, so look at the document and tables directly).
		if (timedOut) {
			result.diagnosis = await page
				.evaluate(async () => {
					const c = await /** @type {any} */ (globalThis).cairn.getCairn();
					const ws = c.workspace;
					// The document is in the workspace worker: what the page can see is the projection and the status.
					return {
						dexie: { runs: await c.db.runs.count(), projects: await c.db.projects.count(), seriesChunks: await c.db.seriesChunks.count(), seriesTails: await c.db.seriesTails.count(), metricChunks: await c.db.metricChunks.count() },
						mesh: JSON.parse(JSON.stringify(ws.mesh?.status ?? null)),
					};
				})
				.catch((e) => ({ error: String(e) }));
		}

		// The workspace worker's own timings (first sync applied, projection flushes), ms after navigation.
		result.workerTimings = await page
			.evaluate(async () => /** @type {any[]} */ (await (await /** @type {any} */ (globalThis).cairn.getCairn()).workspace.timings()))
			.then((list) => list.filter((t) => t.at >= tLink - 1000).map((t) => ({ ...t, at: round(t.at - p.timeOrigin) })))
			.catch((e) => [{ error: String(e) }]);

		// Spot check: a seeded series reads back whole through the app's own read path.
		if (!timedOut) {
			const check = /** @type {any} */ (seed.series[seed.series.length - 1]);
			result.spotCheck = await page.evaluate(async ({ runId, series }) => {
				const c = await /** @type {any} */ (globalThis).cairn.getCairn();
				const s = await c.metrics.readSeries(runId, series);
				return { points: s.steps.length, lastStep: s.steps[s.steps.length - 1], lastValue: s.values[s.values.length - 1] };
			}, check);
			result.spotCheck.ok = result.spotCheck.points === check.points && result.spotCheck.lastValue === check.lastValue;
		}

		// 2. Offline open of the same profile.
		if (!timedOut && !o.joinOnly) {
			result.serviceWorker = await serviceWorkerReady(page, 30_000);
			await sleep(500);
			await browser.context.close();
			browser = null;
			await peer.stop();
			peer = null;
			result.offline = await benchOfflineOpen(profileDir, server.url, seed.project, expect, o.profile);
		}
		return result;
	} finally {
		await browser?.context.close().catch(() => {});
		await peer?.stop();
		await server.close();
		await rm(peerDir, { recursive: true, force: true });
		await rm(profileDir, { recursive: true, force: true });
	}
}

/**
 * Relaunches a profile with the network off and times navigation → first row of
 * the runs table (as bench/run-table.mjs), once after the relaunch, then twice more.
 * The join probe rides along for the page-side marks (workspace ready, the
 * document's load from y-indexeddb, Dexie writes: a projection rebuild shows there).
 * @param {string} profileDir @param {string} url @param {string} project
 * @param {{ runs: number, seriesChunks: number, seriesTails: number }} expect
 * @param {boolean} [profile] record a CPU profile of the first (after-relaunch) open into bench/tmp/sync-offline.cpuprofile
 */
async function benchOfflineOpen(profileDir, url, project, expect, profile = false) {
	const browser = await launch(profileDir);
	try {
		await browser.context.addInitScript(joinProbe, { project, expect });
		await browser.context.setOffline(true);
		const machineBefore = machineCpu();
		const cpuBefore = cpuSnapshot();
		const samples = [];
		for (let i = 0; i < 3; i++) {
			/** @type {import('playwright-core').CDPSession | null} */
			const cdp = profile && i === 0 ? await browser.context.newCDPSession(browser.page) : null;
			if (cdp) {
				await cdp.send('Profiler.enable');
				await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
				await cdp.send('Profiler.start');
			}
			await browser.page.goto(new URL(`/p/${project}`, url).href);
			await browser.page.waitForSelector('[data-testid="run-table"] [data-row="0"]', { timeout: 30_000 });
			const firstRowMs = await browser.page.evaluate(() => performance.now());
			const want = `${expect.runs} of ${expect.runs} runs`;
			await browser.page.waitForFunction((w) => [...document.querySelectorAll('span[aria-live="polite"]')].some((s) => s.textContent?.trim() === w), want, { timeout: 30_000 });
			const allRunsMs = await browser.page.evaluate(() => performance.now());
			const controlled = await browser.page.evaluate(() => navigator.serviceWorker.controller !== null);
			// Let the workspace finish loading its document before the next navigation, and read the marks.
			await browser.page.waitForFunction(() => /** @type {any} */ (globalThis).__syncProbe?.marks.ready, null, { timeout: 30_000 }).catch(() => {});
			await sleep(300);
			if (cdp) {
				const { profile: raw } = await cdp.send('Profiler.stop');
				await writeFile(join(ROOT, 'bench', 'tmp', 'sync-offline.cpuprofile'), JSON.stringify(raw));
				await cdp.detach();
			}
			/** @type {any} */
			const p = await browser.page.evaluate(() => /** @type {any} */ (globalThis).__syncProbe);
			const rel = (/** @type {string} */ k) => (p.marks[k] === undefined ? null : round(p.marks[k] - p.timeOrigin));
			samples.push({
				firstRowMs: round(firstRowMs),
				allRunsCountedMs: round(allRunsMs),
				serviceWorkerControlled: controlled,
				workspaceOpenMs: rel('cairnOpen'),
				workspaceReadyMs: rel('ready'),
				dexieWritesWithRuns: p.writes.filter((/** @type {any} */ w) => w.tables.includes('runs')).length,
				dexieWrites: p.writes.length,
				longTasksOver50Ms: (p.longTasks ?? []).filter((/** @type {any} */ t) => t.ms > 50),
			});
		}
		const firsts = samples.map((s) => s.firstRowMs);
		const machine = contention(machineBefore, machineCpu(), cpuDelta(cpuBefore, cpuSnapshot()).totalCpuSeconds);
		return { machine, samples, afterRelaunchFirstRowMs: firsts[0], medianFirstRowMs: quantile(firsts, 0.5), pageErrors: browser.errors.filter((e) => !/fetching the script|ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(e)).slice(0, 10) };
	} finally {
		await browser.context.close();
	}
}

// ---------------------------------------------------------------------------------------------
// 3. Live latency between two browsers.

/**
 * @param {{ seconds: number, everyMs: number, relayOnly: boolean }} o relayOnly: both browsers lack
 *   RTCPeerConnection (removed before the app loads), so the mesh falls back to the relay
 */
export async function benchLive(o) {
	const meter = relayMeter();
	const server = await startServer({ port: 0, capture: (e) => meter.capture(e) });
	const dirA = await mkdtemp(join(tmpdir(), 'cairn-bench-live-a-'));
	const dirB = await mkdtemp(join(tmpdir(), 'cairn-bench-live-b-'));
	/** @type {Awaited<ReturnType<typeof launch>>[]} */
	const browsers = [];
	try {
		const a = await launch(dirA);
		browsers.push(a);
		const b = await launch(dirB);
		browsers.push(b);
		if (o.relayOnly) {
			for (const { context } of browsers) await context.addInitScript(() => delete (/** @type {any} */ (globalThis).RTCPeerConnection));
		}
		await a.page.goto(server.url);
		await a.page.waitForFunction(() => 'cairn' in globalThis);
		// Share through the UI, as a person does.
		await a.page.getByRole('button', { name: /Share/ }).click();
		const dialog = a.page.getByTestId('share-dialog');
		await dialog.waitFor();
		const link = await a.page.getByTestId('share-link').inputValue();
		await dialog.getByRole('button', { name: 'Done' }).click();

		await b.page.goto(link);
		await b.page.getByTestId('join-name').fill('Live');
		await b.page.getByTestId('join-workspace').getByRole('button', { name: 'Join and switch' }).click();
		await b.page.getByTestId('workspace-switcher').filter({ hasText: 'Live' }).waitFor();
		await b.page.waitForFunction(() => 'cairn' in globalThis);

		const project = 'live-bench';
		const series = 'live@train';
		const runId = await a.page.evaluate(async (project) => {
			const g = /** @type {any} */ (globalThis);
			const run = await g.cairn.startRun({ project, name: 'live-run' });
			g.__liveRun = run;
			run.log({ live: -1 }, { step: 0 });
			await run.flush();
			return /** @type {string} */ (run.id);
		}, project);
		// B opens the run page (chart open) once the run has arrived, then waits for a direct link.
		await b.page.waitForFunction(async (id) => !!(await (await /** @type {any} */ (globalThis).cairn.getCairn()).runs.get(id)), runId, { timeout: 30_000, polling: 200 });
		await b.page.goto(new URL(`/p/${project}/r/${runId}`, server.url).href);
		await b.page.waitForFunction(() => 'cairn' in globalThis);
		await b.page.locator('canvas').first().waitFor({ timeout: 30_000 });
		const linkDeadline = Date.now() + 30_000;
		/** @type {any} */
		let statusB = null;
		while (Date.now() < linkDeadline) {
			statusB = await meshStatus(b.page);
			if (statusB?.peers?.[0]?.links?.[0] === (o.relayOnly ? 'relay' : 'webrtc') && statusB.docsInSync) break;
			await sleep(200);
		}
		const linksBefore = statusB?.peers?.map((/** @type {any} */ peer) => peer.links) ?? [];

		// B: at each Dexie commit touching the series' rows, note which values are visible.
		await b.page.evaluate(
			async ({ runId, series }) => {
				const g = /** @type {any} */ (globalThis);
				const c = await g.cairn.getCairn();
				const dbName = c.db.name;
				/** @type {Record<number, number>} */
				const seen = {};
				g.__seen = seen;
				g.__commits = 0;
				// The worker's commits arrive on Dexie's BroadcastChannel; the page's own as a DOM event.
				/** @param {Record<string, unknown> | null | undefined} detail */
				const onCommit = (detail) => {
					const at = Date.now();
					const keys = Object.keys(detail ?? {});
					if (!keys.some((k) => k.startsWith(`idb://${dbName}/seriesTails/`) || k.startsWith(`idb://${dbName}/seriesChunks/`))) return;
					g.__commits++;
					void (async () => {
						const values = [];
						const tail = await c.db.seriesTails.get([runId, series]);
						if (tail) {
							const n = tail.data.length / 3;
							values.push(...tail.data.subarray(2 * n));
						}
						for (const row of await c.db.seriesChunks.where({ runId }).toArray()) {
							if (row.series !== series) continue;
							const chunk = await c.db.metricChunks.get(row.hash);
							if (chunk) values.push(...chunk.data.subarray((2 * chunk.data.length) / 3));
						}
						for (const v of values) if (seen[v] === undefined) seen[v] = at;
					})();
				};
				addEventListener('x-storagemutated-1', (event) => onCommit(/** @type {CustomEvent} */ (event).detail));
				new BroadcastChannel('x-storagemutated-1').onmessage = (event) => onCommit(event.data);
			},
			{ runId, series },
		);

		meter.take();
		const cpuBefore = cpuSnapshot();
		const machineBefore = machineCpu();
		const count = Math.round((o.seconds * 1000) / o.everyMs);
		/** @type {number[]} */
		const loggedAt = await a.page.evaluate(
			async ({ count, everyMs }) => {
				const run = /** @type {any} */ (globalThis).__liveRun;
				const at = [];
				const start = performance.now();
				for (let i = 0; i < count; i++) {
					// Paced against the start, so slow ticks do not stretch the run.
					const wait = start + i * everyMs - performance.now();
					if (wait > 0) await new Promise((r) => setTimeout(r, wait));
					at.push(Date.now());
					run.log({ live: i }, { step: i + 1 });
				}
				await run.flush();
				return at;
			},
			{ count, everyMs: o.everyMs },
		);
		await sleep(3000);
		const cpu = cpuDelta(cpuBefore, cpuSnapshot());
		const machine = contention(machineBefore, machineCpu(), cpu.totalCpuSeconds);
		/** @type {Record<string, number>} */
		const seen = await b.page.evaluate(() => /** @type {any} */ (globalThis).__seen);
		const commits = await b.page.evaluate(() => /** @type {any} */ (globalThis).__commits);
		const statusAfter = await meshStatus(b.page);
		const latencies = [];
		let missing = 0;
		for (let i = 0; i < loggedAt.length; i++) {
			const at = seen[i];
			if (at === undefined) missing++;
			else latencies.push(at - /** @type {number} */ (loggedAt[i]));
		}
		await a.page.evaluate(() => /** @type {any} */ (globalThis).__liveRun.finish());
		const frames = meter.take();
		return {
			relayOnly: o.relayOnly,
			points: count,
			everyMs: o.everyMs,
			received: latencies.length,
			missing,
			p50Ms: quantile(latencies, 0.5),
			p95Ms: quantile(latencies, 0.95),
			maxMs: Math.max(...latencies),
			minMs: Math.min(...latencies),
			meanMs: round(latencies.reduce((s, x) => s + x, 0) / Math.max(1, latencies.length), 1),
			projectionCommitsOnB: commits,
			links: statusAfter?.peers?.map((/** @type {any} */ peer) => peer.links) ?? linksBefore,
			linksBefore,
			relayedFramesDuringLogging: frames.length,
			relayedBytesDuringLogging: frames.reduce((s, f) => s + f.bytes, 0),
			cpu: { ...cpu, machine },
			pageErrors: [...(browsers[0]?.errors ?? []), ...(browsers[1]?.errors ?? [])].slice(0, 10),
		};
	} finally {
		for (const browser of browsers) await browser.context.close().catch(() => {});
		await server.close();
		await rm(dirA, { recursive: true, force: true });
		await rm(dirB, { recursive: true, force: true });
	}
}

// ---------------------------------------------------------------------------------------------

/**
 * Builds the seeder (bench/sync-seed.ts → bench/tmp/sync-seed/) and imports it.
 * It writes the document with the doc-schema.ts it is built from, which must be
 * the one build/ and peer-dist/ were built from (`npm run bench` builds first).
 * With `rev` (BENCH_SYNC_SEED_REV), it is built from that git revision's
 * src/lib and peer/ instead (a `git archive` under bench/tmp; the working tree
 * and the repository are left alone): for measuring a build/ made from a
 * commit while the working tree has moved on.
 * @param {string} [rev]
 */
export async function loadSeeder(rev = process.env.BENCH_SYNC_SEED_REV) {
	let root = ROOT;
	if (rev) {
		root = join(ROOT, 'bench', 'tmp', 'seed-src');
		await rm(root, { recursive: true, force: true });
		await mkdir(join(root, 'bench'), { recursive: true });
		await new Promise((resolve, reject) => {
			const git = spawn('sh', ['-c', `git archive --format=tar "$REV" src/lib peer | tar -x -C "$DEST"`], { cwd: ROOT, env: { ...process.env, REV: rev, DEST: root }, stdio: ['ignore', 'ignore', 'inherit'] });
			git.on('exit', (code) => (code === 0 ? resolve(undefined) : reject(new Error(`git archive ${rev} failed (${code})`))));
		});
		await writeFile(join(root, 'bench', 'sync-seed.ts'), readFileSync(join(ROOT, 'bench', 'sync-seed.ts')));
	}
	const previous = process.env.CAIRN_SEED_ROOT;
	process.env.CAIRN_SEED_ROOT = root;
	try {
		await build({ configFile: SEED_CONFIG, logLevel: 'error' });
	} finally {
		if (previous === undefined) delete process.env.CAIRN_SEED_ROOT;
		else process.env.CAIRN_SEED_ROOT = previous;
	}
	return import(`${pathToFileURL(SEED_BUNDLE).href}?t=${Date.now()}`);
}

/**
 * Sources the seeder shares with the built app and peer that changed after
 * build/ or peer-dist/ was made: the seeded document may then not be what the
 * built app expects (its projection rejects records it reads as invalid).
 */
function sourcesNewerThanBuild() {
	const built = Math.min(statSync(join(DEFAULT_ROOT, 'index.html')).mtimeMs, statSync(PEER_BIN).mtimeMs);
	/** @type {string[]} */
	const newer = [];
	/** @param {string} dir */
	const walk = (dir) => {
		for (const entry of readdirSync(dir, { withFileTypes: true })) {
			const path = join(dir, entry.name);
			if (entry.isDirectory()) walk(path);
			else if (/\.ts$/.test(entry.name) && statSync(path).mtimeMs > built) newer.push(relative(ROOT, path));
		}
	};
	for (const dir of ['src/lib/core', 'src/lib/sync', 'peer']) walk(join(ROOT, dir));
	return { builtAt: new Date(built).toISOString(), newer };
}

/** The frame limit the bench raises the relay to when the production relay cannot carry the join (bench-only). */
const LIFTED_MAX_PAYLOAD = 64 * 2 ** 20;

/**
 * Runs the three team-sync benchmarks and writes bench/results/sync.json.
 *
 * The join runs against the production relay first. If it cannot complete
 * there (a newcomer's whole document travels as one relay frame, and the relay
 * refuses frames over 8 MiB), it is run again with the relay's frame limit
 * raised to 64 MiB — bench-only, not what ships — so the rest of the join and
 * the offline open are still measured; the JSON keeps both.
 *
 * @param {{ runs?: number, seriesRuns?: number, pointsPerSeries?: number, liveSeconds?: number, maxPayload?: number, profile?: boolean, relayOnlyLive?: boolean }} [options]
 */
export async function benchSync(options = {}) {
	const runs = options.runs ?? Number(process.env.BENCH_SYNC_RUNS ?? 10_000);
	const seriesRuns = options.seriesRuns ?? Number(process.env.BENCH_SYNC_SERIES_RUNS ?? 100);
	const pointsPerSeries = options.pointsPerSeries ?? Number(process.env.BENCH_SYNC_POINTS ?? 5_000);
	const liveSeconds = options.liveSeconds ?? Number(process.env.BENCH_SYNC_LIVE_SECONDS ?? 20);
	const maxPayload = options.maxPayload ?? Number(process.env.BENCH_SYNC_RELAY_MAX_PAYLOAD ?? DEFAULT_MAX_PAYLOAD);
	const profile = options.profile ?? process.env.BENCH_SYNC_PROFILE === '1';
	const relayOnlyLive = options.relayOnlyLive ?? process.env.BENCH_SYNC_RELAY_LIVE !== '0';
	const joinOnly = process.env.BENCH_SYNC_JOIN_ONLY === '1';
	const seedRev = process.env.BENCH_SYNC_SEED_REV || null;
	const freshness = sourcesNewerThanBuild();
	if (freshness.newer.length && !seedRev)
		console.warn(`WARNING: ${freshness.newer.join(', ')} changed after build/ or peer-dist/ (${freshness.builtAt}); the seeded document may not match the built app. Run \`npm run build\` first, or set BENCH_SYNC_SEED_REV to the revision build/ was made from.`);
	const seeder = await loadSeeder(seedRev ?? undefined);
	/** @type {Record<string, any>} */
	const results = {
		build: { ...freshness, seededFrom: seedRev ? `git ${seedRev}` : 'working tree' },
		date: new Date().toISOString(),
		machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAverageAtStart: loadavg().map((x) => round(x, 2)) },
		command: 'BENCH_ONLY=sync npm run bench   (or: node bench/sync.mjs after npm run build)',
		goals: { joinMs: 5000, liveP95Ms: 500, offlineFirstRowMs: 1000 },
		results: {},
		summary: null,
	};
	const mib = (/** @type {number} */ b) => `${(b / 2 ** 20).toFixed(0)} MiB`;

	console.log(`team sync: join of ${runs.toLocaleString()} runs / ${(seriesRuns * 2 * pointsPerSeries).toLocaleString()} points through the always-on peer (relay frame limit ${mib(maxPayload)}), then offline open…`);
	const label = (/** @type {number} */ limit) => (limit === DEFAULT_MAX_PAYLOAD ? `production relay (${mib(limit)} frame limit)` : `relay frame limit raised to ${mib(limit)} (bench-only)`);
	const joined = await benchJoin({ runs, seriesRuns, pointsPerSeries, maxPayload, seeder, label: label(maxPayload), profile, joinOnly });
	results.results.join = joined;
	if (joinOnly) {
		// A quick look for comparing two builds back to back; not the bench's result.
		await mkdir(join(ROOT, 'bench', 'tmp'), { recursive: true });
		await writeFile(join(ROOT, 'bench', 'tmp', 'sync-join-only.json'), JSON.stringify(results, null, 2) + '\n');
		console.log('wrote bench/tmp/sync-join-only.json');
		return results;
	}
	const show = (/** @type {any} */ j) => console.log(JSON.stringify({ label: j.label, completed: j.completed, gaveUp: j.gaveUp, ms: j.ms, bytes: j.bytes, breakdown: j.breakdown, offline: j.offline && { afterRelaunchFirstRowMs: j.offline.afterRelaunchFirstRowMs, medianFirstRowMs: j.offline.medianFirstRowMs } }, null, 1));
	show(joined);
	/** The join whose figures the summary quotes: the production one if it completed. */
	let usable = joined;
	if (!joined.completed && maxPayload < LIFTED_MAX_PAYLOAD) {
		console.log(`team sync: the join did not complete (${joined.gaveUp}); again with the relay frame limit raised to ${mib(LIFTED_MAX_PAYLOAD)} (bench-only)…`);
		usable = await benchJoin({ runs, seriesRuns, pointsPerSeries, maxPayload: LIFTED_MAX_PAYLOAD, seeder, label: label(LIFTED_MAX_PAYLOAD), profile });
		results.results.joinLiftedLimit = usable;
		show(usable);
	}

	console.log(`team sync: live latency, ${liveSeconds} s of one point per 100 ms between two browsers…`);
	const live = await benchLive({ seconds: liveSeconds, everyMs: 100, relayOnly: false });
	results.results.live = live;
	console.log(JSON.stringify({ p50Ms: live.p50Ms, p95Ms: live.p95Ms, maxMs: live.maxMs, missing: live.missing, links: live.links }, null, 1));
	/** @type {any} */
	let liveRelay = null;
	if (relayOnlyLive) {
		console.log(`team sync: live latency again with WebRTC unavailable (relay only)…`);
		liveRelay = await benchLive({ seconds: liveSeconds, everyMs: 100, relayOnly: true });
		results.results.liveRelayOnly = liveRelay;
		console.log(JSON.stringify({ p50Ms: liveRelay.p50Ms, p95Ms: liveRelay.p95Ms, maxMs: liveRelay.maxMs, missing: liveRelay.missing, links: liveRelay.links }, null, 1));
	}

	results.machine.loadAverageAtEnd = loadavg().map((x) => round(x, 2));
	results.summary = {
		joinCompletedOnProductionRelay: joined.completed,
		joinMeasuredWith: usable.label,
		joinLinkToUsableMs: usable.ms.linkToUsable,
		joinReloadToUsableMs: usable.ms.navToUsable,
		joinReloadToFirstRowMs: usable.ms.navToFirstRow,
		joinLinkToFirstRowMs: usable.ms.linkToFirstRow,
		joinBytesRelayed: usable.bytes.relayed,
		joinRawJsonBytes: usable.workspace.rawJsonBytes,
		joinRatioToRawJson: usable.bytes.ratioToRawJson,
		liveP50Ms: live.p50Ms,
		liveP95Ms: live.p95Ms,
		liveMaxMs: live.maxMs,
		liveLinks: live.links,
		liveRelayOnlyP95Ms: liveRelay?.p95Ms ?? null,
		offlineFirstRowAfterRelaunchMs: usable.offline?.afterRelaunchFirstRowMs ?? null,
		offlineFirstRowMedianMs: usable.offline?.medianFirstRowMs ?? null,
		profiled: profile,
	};
	await mkdir(new URL('./results/', import.meta.url), { recursive: true });
	await writeFile(new URL('./results/sync.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
	console.log(results.summary);
	console.log('wrote bench/results/sync.json');
	return results;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	await benchSync();
}
