/**
 * Peers for merge tests: each a real Cairn (its own fake-indexeddb database and
 * Y.Doc), plus the pieces a merge test compares — a canonical dump of the
 * document and of the Dexie projection — and the chunk exchange that the sync
 * mesh performs after document updates (here: copying bytes through the same
 * DexieChunkStore the mesh uses, which tells the projection a chunk arrived).
 */
import * as Y from 'yjs';
import { Cairn } from '$lib/sdk/cairn';
import { ROOTS, referencedChunks } from '$lib/sync/doc-schema';
import { DexieChunkStore } from '$lib/sync/dexie-chunks';
import type { CairnDb } from '$lib/store/db';
import { inProcess } from '../helpers';

/** The Dexie tables that are a projection of the document (projection.ts header). */
export const PROJECTED_TABLES = ['projects', 'runs', 'seriesChunks', 'seriesTails', 'artifacts', 'artifactVersions', 'artifactUses', 'chunkRefs'] as const;

export interface SimPeer {
	index: number;
	/** Its database; opening it again is the device restarting. */
	dbName: string;
	cairn: Cairn;
	/** The store the sync mesh would use; `put` tells the projection about arrived metric chunks. */
	chunks: DexieChunkStore;
	/** Everything reported through onBackgroundError (the Workspace's onError included). */
	errors: unknown[];
}

let opened = 0;

/**
 * Opens peer `index` on a fresh database (or on `dbName`: a restart). `clientId`
 * pins the document's Yjs client id (otherwise random), so a seed replays the
 * same concurrent-conflict outcomes; items written while opening keep the random id.
 */
export async function openPeer(index: number, now: () => number, clientId?: number, dbName = `cairn-sync-${process.pid}-${++opened}-peer${index}`): Promise<SimPeer> {
	const errors: unknown[] = [];
	const cairn = await Cairn.open({
		dbName,
		author: `peer${index}`,
		now,
		captureEnv: async () => undefined,
		onBackgroundError: (error) => errors.push(error)
	});
	if (clientId !== undefined) inProcess(cairn).doc.clientID = clientId;
	const chunks = new DexieChunkStore(
		cairn.db,
		// Odd peers hand the projection the stored points, as the workspace does; even peers make it
		// read them back: the fuzz's "every projection equal" then also checks the two paths agree.
		(hash, kind, data) => {
			if (kind === 'metric') inProcess(cairn).projection.chunkArrived(hash, index % 2 ? data : undefined);
		},
		now
	);
	return { index, dbName, cairn, chunks, errors };
}

/**
 * Copies the chunks `to`'s document names and `to` lacks from `from`, if `from`
 * has them: what the mesh's chunk fetcher does after a document update.
 * Metric chunks always (the projection waits for them); artifact chunks too,
 * standing in for on-demand fetches.
 */
export async function exchangeChunks(from: SimPeer, to: SimPeer): Promise<number> {
	const wanted = referencedChunks(inProcess(to.cairn).doc);
	let copied = 0;
	for (const kind of ['metric', 'artifact'] as const) {
		const hashes = [...wanted[kind]];
		if (!hashes.length) continue;
		const table = kind === 'metric' ? to.cairn.db.metricChunks : to.cairn.db.blobChunks;
		const have = await table.bulkGet(hashes);
		for (const [i, hash] of hashes.entries()) {
			if (have[i]) continue;
			const bytes = await from.chunks.get(hash, kind);
			if (!bytes) continue;
			await to.chunks.put(hash, bytes, kind);
			copied++;
		}
	}
	return copied;
}

/** Waits until no projection has anything left to do (a flush may mark more work, e.g. a chunk arriving). */
export async function settleProjections(peers: readonly SimPeer[]): Promise<void> {
	for (let round = 0; round < 3; round++) await Promise.all(peers.map((p) => inProcess(p.cairn).projection.settled()));
}

/**
 * A stable text for any value read from Dexie or Yjs: object keys sorted,
 * typed arrays as hex of their bytes (NaN and -0 exact), non-finite numbers
 * spelled out, undefined properties dropped as JSON does.
 */
export function canonical(value: unknown): string {
	return JSON.stringify(normalise(value));
}

function normalise(value: unknown): unknown {
	if (typeof value === 'number') return Number.isFinite(value) ? value : `#${value}`;
	if (ArrayBuffer.isView(value)) {
		const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
		return `${value.constructor.name}:${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
	}
	if (Array.isArray(value)) return value.map(normalise);
	if (value instanceof Blob) throw new TypeError('canonical(): a Blob cannot be compared synchronously');
	if (typeof value === 'object' && value !== null) {
		const out: Record<string, unknown> = {};
		for (const key of Object.keys(value).sort()) {
			const v = (value as Record<string, unknown>)[key];
			if (v !== undefined) out[key] = normalise(v);
		}
		return out;
	}
	return value;
}

/** Every root map of the document, canonically (doc-schema.ts ROOTS). */
export function docDump(doc: Y.Doc): Record<string, string> {
	return Object.fromEntries(ROOTS.map((name) => [name, canonical(doc.getMap(name).toJSON())]));
}

/** The state vector as a plain sorted list, for readable diffs. */
export function stateVector(doc: Y.Doc): [number, number][] {
	return [...Y.decodeStateVector(Y.encodeStateVector(doc))].sort((a, b) => a[0] - b[0]);
}

/** Every projected table, each row canonical, rows sorted. */
export async function projectionDump(db: CairnDb): Promise<Record<string, string[]>> {
	const out: Record<string, string[]> = {};
	for (const name of PROJECTED_TABLES) out[name] = (await db.table(name).toArray()).map(canonical).sort();
	return out;
}

/** Empties the projected tables and rebuilds them from the document alone. */
export async function rebuildProjection(peer: SimPeer): Promise<void> {
	const { db } = peer.cairn;
	const tables = PROJECTED_TABLES.map((name) => db.table(name));
	await db.transaction('rw', tables, () => Promise.all(tables.map((t) => t.clear())));
	await inProcess(peer.cairn).projection.projectAll();
	await settleProjections([peer]);
}
