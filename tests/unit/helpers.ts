import { Cairn, type CairnOptions } from '$lib/sdk/cairn';

let counter = 0;

/** A Cairn on its own fresh database, with a controllable clock and no browser env probe. */
export async function openTestCairn(options: CairnOptions & { start?: number } = {}) {
	const clock = { now: options.start ?? Date.UTC(2026, 10, 26, 12, 0, 0) };
	const cairn = await Cairn.open({
		dbName: options.dbName ?? `cairn-test-${process.pid}-${++counter}-${Math.random().toString(36).slice(2)}`,
		now: () => clock.now,
		captureEnv: async () => undefined,
		author: 'tester',
		...options
	});
	return { cairn, clock };
}

/** Every row of every table, for "the store is unchanged" assertions. */
export async function dumpStore(cairn: Cairn) {
	const out: Record<string, unknown[]> = {};
	for (const table of cairn.db.tables) out[table.name] = await table.toArray();
	return out;
}

/** Mulberry32: small, seeded, good enough for fuzzing. */
export function rng(seed: number) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
