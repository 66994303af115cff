/**
 * Document → Dexie projection (its artifact part: artifact-projection.ts). The
 * Yjs document is the source of truth for shared state; these Dexie tables are
 * its indexed, queryable copy and can be rebuilt from it at any time
 * (`projectAll`):
 *   projects, runs, seriesChunks, seriesTails, artifacts, artifactVersions,
 *   artifactUses, chunkRefs.
 * Chunk bytes (metricChunks, blobChunks) are not projected: they are the truth.
 *
 * Every change to the document (local or from a peer) marks the keys it
 * touched; a flush projects them in one Dexie transaction. Records from peers
 * are validated first (principle 7): an invalid record is reported and skipped,
 * never projected (one with a field missing mid-merge is skipped until it comes). A sealed series entry is projected only once its chunk's
 * bytes are stored, so readers never meet an index row without bytes; until
 * then the hash is reported as missing (the workspace fetches it from peers).
 */
import * as Y from 'yjs';
import { chunkEnvelope, unpackColumns } from '$lib/core/metric-chunks';
import type { RunRecord } from '$lib/core/types';
import type { CairnDb, SeriesChunkRow } from '$lib/store/db';
import { artifactOfVersionKey, projectArtifacts } from './artifact-projection';
import {
	artifactOfEntryKey,
	PROJECT_FIELDS,
	readProject,
	readRun,
	root,
	RUN_SCALAR_FIELDS,
	splitKey,
	type RootName,
	type SeriesEntry,
	type TailEntry
} from './doc-schema';
import { validateProjectRecord, validateRunRecord } from '$lib/core/records';
import { startTiming } from './timings';

/** syncState row naming the document state the projection reflects. */
export const PROJECTED_STATE = 'projection';

/** True when the projection reflects exactly this document state (no rebuild needed on open). */
export async function projectionIsCurrent(doc: Y.Doc, db: CairnDb): Promise<boolean> {
	const row = await db.syncState.get(PROJECTED_STATE);
	const now = Y.encodeStateVector(doc);
	return !!row && row.stateVector.length === now.length && row.stateVector.every((b, i) => b === now[i]);
}

/** A flush with at least this many runs commits its projects first (see #flush). */
export const EARLY_PROJECTS_MIN_RUNS = 500;

/**
 * Runs read and put per request batch. Issuing a put costs its caller ~30 µs
 * (the row is cloned and its index keys taken on this thread), so a first sync's
 * 10,000 runs put at once held the worker's thread for ~1 s, and the metric
 * chunks arriving meanwhile (decrypt, verify, store, ask for the next) waited
 * behind it. Between batches the thread takes that other work.
 */
export const RUN_PUT_BATCH = 1_000;

export interface ProjectionEvents {
	/** Sealed metric chunks the document names but this device lacks. */
	onMissingMetricChunks?: (hashes: string[]) => void;
	/** A record from the document failed validation and was not projected. */
	onInvalidRecord?: (where: string, error: unknown) => void;
}

type Dirty = Record<'projects' | 'runs' | 'series' | 'tails' | 'artifacts' | 'uses', Set<string>>;

function emptyDirty(): Dirty {
	return { projects: new Set(), runs: new Set(), series: new Set(), tails: new Set(), artifacts: new Set(), uses: new Set() };
}


export class Projection {
	#dirty = emptyDirty();
	#running: Promise<void> = Promise.resolve();
	#scheduled = false;
	/** Series entries waiting for their chunk bytes, by hash. */
	#waiting = new Map<string, Set<string>>();
	/** Envelopes of chunks this device stored itself and not yet projected (envelopeKnown). */
	#envelopes = new Map<string, Float64Array<ArrayBuffer>>();
	/** Points of fetched chunks not yet projected (chunkArrived): the flush computes their envelopes without reading them back. */
	#arrived = new Map<string, Float64Array<ArrayBuffer>>();
	readonly #unobserve: (() => void)[] = [];

	constructor(
		private readonly doc: Y.Doc,
		private readonly db: CairnDb,
		private readonly events: ProjectionEvents = {}
	) {}

	/** Starts following the document; call after its persisted state has loaded. */
	attach(): void {
		const watch = (name: RootName, mark: (key: string) => void) => {
			const map = root<unknown>(this.doc, name);
			const handler = (events: Y.YEvent<Y.AbstractType<unknown>>[]) => {
				for (const e of events) {
					if (e.path.length > 0) mark(String(e.path[0]));
					else for (const key of (e as Y.YMapEvent<unknown>).keysChanged) mark(key);
				}
				this.#schedule();
			};
			map.observeDeep(handler);
			this.#unobserve.push(() => map.unobserveDeep(handler));
		};
		watch('projects', (k) => this.#dirty.projects.add(k));
		watch('runs', (k) => this.#dirty.runs.add(k));
		watch('series', (k) => this.#dirty.series.add(k));
		watch('tails', (k) => this.#dirty.tails.add(k));
		watch('artifacts', (k) => this.#dirty.artifacts.add(k));
		watch('aliases', (k) => this.#dirty.artifacts.add(artifactOfEntryKey(k)));
		watch('moves', (k) => this.#dirty.artifacts.add(artifactOfEntryKey(k)));
		watch('versions', (k) => this.#dirty.artifacts.add(artifactOfVersionKey(k)));
		watch('locks', (k) => this.#dirty.artifacts.add(artifactOfVersionKey(k)));
		watch('deletions', (k) => this.#dirty.artifacts.add(artifactOfVersionKey(k)));
		watch('uses', (k) => this.#dirty.uses.add(k));
	}

	detach(): void {
		for (const off of this.#unobserve.splice(0)) off();
	}

	/** Marks every record dirty: a full rebuild of the projection. */
	projectAll(): Promise<void> {
		for (const k of root(this.doc, 'projects').keys()) this.#dirty.projects.add(k);
		for (const k of root(this.doc, 'runs').keys()) this.#dirty.runs.add(k);
		for (const k of root(this.doc, 'series').keys()) this.#dirty.series.add(k);
		for (const k of root(this.doc, 'tails').keys()) this.#dirty.tails.add(k);
		for (const k of root(this.doc, 'artifacts').keys()) this.#dirty.artifacts.add(k);
		for (const k of root(this.doc, 'versions').keys()) this.#dirty.artifacts.add(artifactOfVersionKey(k));
		for (const k of root(this.doc, 'uses').keys()) this.#dirty.uses.add(k);
		this.#schedule();
		return this.settled();
	}

	/**
	 * A chunk's bytes arrived: project the series entries that waited for them.
	 * With `data` (the points just stored), its envelope is computed from them
	 * instead of reading the chunk back from IndexedDB.
	 */
	chunkArrived(hash: string, data?: Float64Array<ArrayBuffer>): void {
		const keys = this.#waiting.get(hash);
		if (!keys) return;
		this.#waiting.delete(hash);
		// The envelope is computed at the flush, not here: this runs on the chunk pipeline's path.
		if (data) this.#arrived.set(hash, data);
		for (const k of keys) this.#dirty.series.add(k);
		this.#schedule();
	}

	/** A chunk this device stored itself, with the envelope its writer computed (SharedDoc.commitMetrics). */
	envelopeKnown(hash: string, envelope: Float64Array<ArrayBuffer>): void {
		this.#envelopes.set(hash, envelope);
	}

	/** Hashes of sealed metric chunks still waiting for bytes. */
	get waitingChunks(): string[] {
		return [...this.#waiting.keys()];
	}

	/** Resolves once everything marked so far is in Dexie. */
	settled(): Promise<void> {
		if (this.#hasDirty()) this.#schedule();
		return this.#running;
	}

	#hasDirty(): boolean {
		return Object.values(this.#dirty).some((s) => s.size > 0);
	}

	#schedule(): void {
		if (this.#scheduled) return;
		this.#scheduled = true;
		this.#running = this.#running.then(async () => {
			this.#scheduled = false;
			// Keep going until quiet: changes that land while a flush runs join the next round.
			while (this.#hasDirty()) {
				const dirty = this.#dirty;
				this.#dirty = emptyDirty();
				// Taken with the dirty set: everything up to this state is projected by this flush.
				await this.#flush(dirty, Y.encodeStateVector(this.doc));
			}
		});
	}

	async #flush(dirty: Dirty, stateVector: Uint8Array): Promise<void> {
		const counts = { projects: dirty.projects.size, runs: dirty.runs.size, series: dirty.series.size, tails: dirty.tails.size, artifacts: dirty.artifacts.size };
		const done = startTiming('projection: flush');
		await this.#write(dirty, stateVector);
		done(counts);
	}

	async #write(dirty: Dirty, stateVector: Uint8Array): Promise<void> {
		const { db, doc } = this;
		const missing: string[] = [];
		// Chunk bytes are read before the write transaction (envelopes are computed from them).
		const seriesRows: SeriesChunkRow[] = [];
		const seriesGone: [string, string, number][] = [];
		const seriesMap = root<SeriesEntry>(doc, 'series');
		const hashes = new Map<string, string[]>();
		for (const key of dirty.series) {
			const entry = seriesMap.get(key);
			if (!entry) {
				const [runId, series, seq] = splitKey(key);
				if (runId !== undefined && series !== undefined) seriesGone.push([runId, series, Number(seq)]);
				continue;
			}
			hashes.set(entry.hash, [...(hashes.get(entry.hash) ?? []), key]);
		}
		if (hashes.size) {
			const known = this.#envelopes;
			const arrived = this.#arrived;
			const unread = [...hashes.keys()].filter((h) => !known.has(h) && !arrived.has(h));
			const read = new Map(unread.length ? (await db.metricChunks.bulkGet(unread)).map((row, i) => [unread[i] as string, row?.data]) : []);
			[...hashes].forEach(([hash, keys]) => {
				const data = arrived.get(hash) ?? read.get(hash);
				const envelope = known.get(hash) ?? (data ? chunkEnvelope(unpackColumns(data)) : undefined);
				if (!envelope) {
					missing.push(hash);
					const set = this.#waiting.get(hash) ?? new Set<string>();
					for (const k of keys) set.add(k);
					this.#waiting.set(hash, set);
					return;
				}
				for (const key of keys) {
					const entry = seriesMap.get(key) as SeriesEntry;
					const [runId, series, seq] = splitKey(key) as [string, string, string];
					seriesRows.push({ runId, series, seq: Number(seq), hash, points: entry.points, firstStep: entry.firstStep, lastStep: entry.lastStep, envelope });
				}
			});
			for (const hash of hashes.keys()) {
				known.delete(hash);
				arrived.delete(hash);
			}
		}

		// Ask peers for missing chunks now, not after the write below: on a first sync that
		// write projects thousands of runs, and the fetches can run meanwhile.
		if (missing.length) this.events.onMissingMetricChunks?.(missing);
		// Projects first, on their own, when the runs will take a while (a first sync): the
		// project list fills at once and a project opened meanwhile fills as its runs land.
		if (dirty.runs.size >= EARLY_PROJECTS_MIN_RUNS && dirty.projects.size) {
			await db.transaction('rw', db.projects, () => this.#projectProjects(dirty.projects));
			dirty.projects.clear();
		}
		// Only the tables this flush writes: a page's read of any other table is not held up by it.
		const artifactsDirty = dirty.artifacts.size > 0 || dirty.uses.size > 0;
		const scope = [
			db.syncState,
			...(dirty.projects.size ? [db.projects] : []),
			...(dirty.runs.size ? [db.runs] : []),
			...(seriesRows.length || seriesGone.length ? [db.seriesChunks] : []),
			...(dirty.tails.size ? [db.seriesTails] : []),
			...(artifactsDirty ? [db.artifacts, db.artifactVersions, db.artifactUses, db.chunkRefs, db.blobChunks] : [])
		];
		const written = startTiming('projection: write transaction');
		await db.transaction(
			'rw',
			scope,
			async () => {
				// With entries still waiting for bytes, record no state: the next open rebuilds and asks again.
				await db.syncState.put({ id: PROJECTED_STATE, stateVector: this.#waiting.size || missing.length ? new Uint8Array() : stateVector });
				await this.#projectProjects(dirty.projects);
				await this.#projectRuns(dirty.runs);
				if (seriesRows.length) await db.seriesChunks.bulkPut(seriesRows);
				if (seriesGone.length) await db.seriesChunks.bulkDelete(seriesGone);
				await this.#projectTails(dirty.tails);
				if (!artifactsDirty) return;
				await projectArtifacts(doc, db, dirty.artifacts, dirty.uses, (where, error) => this.events.onInvalidRecord?.(where, error));
			}
		);
		written({ tables: scope.length });
	}

	/**
	 * Reports a record that failed validation — unless it is incomplete. Yjs
	 * applies an update's deletions at once but holds its new items while an
	 * earlier update is missing, so a field that update overwrote reads as absent
	 * until the earlier one arrives (and stays so across a restart: the items
	 * held back are not stored). That record is projected when the field comes,
	 * which marks it again; only a record whose fields are all there is invalid.
	 */
	#invalid(where: string, error: unknown, map: Y.Map<unknown>, fields: readonly string[]): void {
		if (fields.every((f) => map.has(f))) this.events.onInvalidRecord?.(where, error);
	}

	async #projectProjects(keys: Set<string>): Promise<void> {
		const map = root<Y.Map<unknown>>(this.doc, 'projects');
		for (const id of keys) {
			const y = map.get(id);
			if (!(y instanceof Y.Map)) {
				await this.db.projects.delete(id);
				continue;
			}
			try {
				await this.db.projects.put(validateProjectRecord(readProject(id, y)));
			} catch (error) {
				this.#invalid(`project ${id}`, error, y, PROJECT_FIELDS);
			}
		}
	}

	async #projectRuns(keys: Set<string>): Promise<void> {
		const map = root<Y.Map<unknown>>(this.doc, 'runs');
		const ids = [...keys];
		const gone: string[] = [];
		// Each batch is read when its turn comes: a run changed meanwhile was marked dirty again
		// (the next flush writes it too), so reading late never writes anything older.
		for (let from = 0; from < ids.length; from += RUN_PUT_BATCH) {
			const rows: RunRecord[] = [];
			for (const id of ids.slice(from, from + RUN_PUT_BATCH)) {
				const y = map.get(id);
				if (!(y instanceof Y.Map)) {
					gone.push(id);
					continue;
				}
				try {
					rows.push(validateRunRecord(readRun(id, y)));
				} catch (error) {
					this.#invalid(`run ${id}`, error, y, RUN_SCALAR_FIELDS);
				}
			}
			if (rows.length) await this.db.runs.bulkPut(rows);
		}
		if (gone.length) await this.db.runs.bulkDelete(gone);
	}

	async #projectTails(keys: Set<string>): Promise<void> {
		const map = root<TailEntry>(this.doc, 'tails');
		for (const key of keys) {
			const [runId, series] = splitKey(key) as [string, string];
			const tail = map.get(key);
			if (tail && tail.data instanceof Uint8Array && tail.data.byteLength % 24 === 0) {
				const data = new Float64Array(tail.data.slice().buffer);
				await this.db.seriesTails.put({ runId, series, seq: tail.seq, data });
			} else await this.db.seriesTails.delete([runId, series]);
		}
	}
}
