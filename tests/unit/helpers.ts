import { Cairn, type CairnOptions } from '$lib/sdk/cairn';
import { Workspace } from '$lib/sync/workspace';
import type { RemoteBytes } from '$lib/workers/piece-reader';

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

/** Seeded randomness for fuzz tests (the same generator the demo uses). */
export { mulberry32 as rng } from '$lib/core/ml/prng';

/**
 * The in-process workspace behind a test Cairn (Node has no Worker, so Cairn
 * runs its workspace in-process there): for tests that look at the document
 * or the projection directly.
 */
export function inProcess(cairn: Cairn): Workspace {
	if (!(cairn.workspace instanceof Workspace)) throw new Error('expected an in-process workspace (a Cairn opened in Node)');
	return cairn.workspace;
}

/**
 * `bytes` as RemoteBytes the way the page serves them to an ingest worker:
 * each read's buffer crosses over and back (detached on the way, as a
 * transfer does), answered a turn later. `reads` records each read's length.
 */
export function remoteBytesOf(bytes: Uint8Array): RemoteBytes & { reads: number[] } {
	const cross = async (buffer: ArrayBuffer) => {
		await new Promise((resolve) => setTimeout(resolve, 0));
		return structuredClone(buffer, { transfer: [buffer] });
	};
	const remote = {
		remoteSize: bytes.length,
		reads: [] as number[],
		async read(into: ArrayBuffer, at: number, offset: number, length: number) {
			remote.reads.push(length);
			const there = await cross(into);
			new Uint8Array(there, at, length).set(bytes.subarray(offset, offset + length));
			return cross(there);
		},
	};
	return remote;
}
