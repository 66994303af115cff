// @ts-check
/**
 * Where the time and memory go, from /proc (Linux): CPU seconds per process
 * type and per thread name of the Chromium processes this Node process started
 * (its descendants), and their combined resident memory (anonymous + shared)
 * sampled while a phase runs. Thread names tell the ingest worker, its hashing thread,
 * WebCrypto and the browser's IndexedDB/file threads apart.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks a second for /proc/<pid>/stat times (sysconf(_SC_CLK_TCK); 100 on Linux). */
const TICKS = 100;

/** @returns {number[]} pids of every descendant of this process */
function descendants() {
	/** @type {Map<number, number[]>} */
	const children = new Map();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			const list = children.get(ppid) ?? [];
			list.push(Number(entry));
			children.set(ppid, list);
		} catch {
			// The process ended meanwhile.
		}
	}
	const out = [];
	const stack = [process.pid];
	while (stack.length) {
		for (const child of children.get(/** @type {number} */ (stack.pop())) ?? []) {
			out.push(child);
			stack.push(child);
		}
	}
	return out;
}

/** @param {number} pid */
function processType(pid) {
	try {
		const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
		if (!cmd.includes('chrom')) return null;
		const type = /--type=([\w-]+)/.exec(cmd)?.[1] ?? 'browser';
		const sub = /--utility-sub-type=([\w.]+)/.exec(cmd)?.[1];
		return sub ? `${type}:${sub.replace(/\.mojom\./, '.')}` : type;
	} catch {
		return null;
	}
}

/** @param {string} path */
function cpuSeconds(path) {
	const stat = readFileSync(path, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** CPU seconds so far, per "type" and per "type/thread name". */
export function cpuSnapshot() {
	/** @type {Record<string, number>} */
	const perType = {};
	/** @type {Record<string, number>} */
	const perThread = {};
	for (const pid of descendants()) {
		const type = processType(pid);
		if (!type) continue;
		try {
			perType[type] = (perType[type] ?? 0) + cpuSeconds(`/proc/${pid}/stat`);
			for (const tid of readdirSync(`/proc/${pid}/task`)) {
				const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim().replace(/\d+$/, '');
				// Each worker is its own thread of the same name: keep them apart.
				const key = `${type}/${name}${name === 'DedicatedWorker' ? `#${tid}` : ''}`;
				perThread[key] = (perThread[key] ?? 0) + cpuSeconds(`/proc/${pid}/task/${tid}/stat`);
			}
		} catch {
			// Gone meanwhile.
		}
	}
	return { perType, perThread };
}

/**
 * CPU seconds spent between two snapshots: totals per process type, and the
 * busiest threads (threads that ended in between are missing from the latter).
 * @param {ReturnType<typeof cpuSnapshot>} before @param {ReturnType<typeof cpuSnapshot>} after
 */
export function cpuDelta(before, after) {
	/** @param {Record<string, number>} a @param {Record<string, number>} b */
	const diff = (a, b) =>
		Object.fromEntries(
			Object.entries(b)
				.map(([k, v]) => /** @type {[string, number]} */ ([k, +(v - (a[k] ?? 0)).toFixed(2)]))
				.filter(([, v]) => v >= 0.05)
				.sort((x, y) => y[1] - x[1])
		);
	const perType = diff(before.perType, after.perType);
	const total = +Object.values(perType).reduce((s, v) => s + v, 0).toFixed(2);
	return { totalCpuSeconds: total, perProcessType: perType, busiestThreads: Object.fromEntries(Object.entries(diff(before.perThread, after.perThread)).slice(0, 10)) };
}

/** The Chromium processes among this process's descendants. */
function chromiumPids() {
	return descendants().filter((pid) => processType(pid) !== null);
}

/**
 * Resident anonymous + shared memory (bytes) of `pids`: the kernel's counters
 * in /proc/<pid>/status, read in microseconds. (Summing PSS from smaps_rollup
 * walks every page table: ≈ 15 ms of CPU per sample with a 1 GiB renderer, which
 * at 10 samples a second took ~15 % of a core from the phase being measured on
 * this 2-core machine.) Shared memory mapped by two processes counts twice:
 * the figure errs high.
 * @param {number[]} pids
 */
function residentBytes(pids) {
	let kb = 0;
	for (const pid of pids) {
		try {
			const status = readFileSync(`/proc/${pid}/status`, 'utf8');
			kb += Number(/^RssAnon:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) + Number(/^RssShmem:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
		} catch {
			// Gone meanwhile.
		}
	}
	return kb * 1024;
}

/**
 * Runs `fn` while sampling CPU (before/after) and memory (every `everyMs`).
 * Memory is reported as the peak resident anonymous + shared memory of the
 * Chromium processes above its level just before the phase.
 * @template T @param {() => Promise<T>} fn @param {number} [everyMs]
 */
export async function measurePhase(fn, everyMs = 100) {
	// The processes are listed once a second, not at every sample: listing them reads all of /proc.
	let pids = chromiumPids();
	const baseline = residentBytes(pids);
	let peak = baseline;
	let samples = 0;
	const timer = setInterval(() => {
		if (++samples % Math.ceil(1000 / everyMs) === 0) pids = chromiumPids();
		peak = Math.max(peak, residentBytes(pids));
	}, everyMs);
	const before = cpuSnapshot();
	try {
		const value = await fn();
		const cpu = cpuDelta(before, cpuSnapshot());
		peak = Math.max(peak, residentBytes(pids));
		return { value, cpu, memory: { measure: 'RssAnon+RssShmem', baselineMiB: +(baseline / 2 ** 20).toFixed(0), peakExtraMiB: +((peak - baseline) / 2 ** 20).toFixed(0) } };
	} finally {
		clearInterval(timer);
	}
}
