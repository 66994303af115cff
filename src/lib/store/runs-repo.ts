/**
 * Run records. Reads come from the Dexie projection; writes go to the shared
 * document through SharedWrites (shared-writes.ts), which resolves once the
 * change is persisted and projected, so callers read their own writes.
 */
import { NotFoundError } from '$lib/core/errors';
import type { RunRecord } from '$lib/core/types';
import { abortWith } from './abort-with';
import type { CairnDb } from './db';
import type { SharedWrites } from './shared-writes';

/** Rows per read when listing a project's runs (see listByProject): 1,000 took 40 ms of the page's thread to deserialise while a workspace synced. */
export const LIST_PAGE_ROWS = 500;

export class RunRepository {
	constructor(
		private readonly db: CairnDb,
		private readonly shared: SharedWrites
	) {}

	async create(run: RunRecord): Promise<void> {
		await this.shared.createRun(run);
	}

	get(id: string): Promise<RunRecord | undefined> {
		return this.db.runs.get(id);
	}

	/**
	 * Read-modify-write: `mutate` works on a copy and may throw a validation
	 * error, in which case nothing is written. Only the fields it changed reach
	 * the document, so concurrent edits of other fields (or other tags) merge.
	 */
	async update(id: string, mutate: (run: RunRecord) => void): Promise<RunRecord> {
		const before = await this.db.runs.get(id);
		if (!before) throw new NotFoundError('run', id);
		const after = structuredClone(before);
		mutate(after);
		await this.shared.updateRun(before, after);
		return after;
	}

	/**
	 * Saves a note edited from `base` (the text the editor started from): only
	 * the editor's own change is applied, on top of whatever teammates changed
	 * meanwhile, so their edits survive a save (a plain update would diff from
	 * the current text and undo them).
	 */
	async editNotes(id: string, base: string, edited: string): Promise<RunRecord> {
		const current = await this.db.runs.get(id);
		if (!current) throw new NotFoundError('run', id);
		await this.shared.updateRun({ ...current, notes: base }, { ...current, notes: edited });
		return (await this.db.runs.get(id)) ?? current;
	}

	/**
	 * Every run of the project, newest first. Read in pages of about
	 * LIST_PAGE_ROWS inside one read transaction (one consistent snapshot): the
	 * page's thread deserialises each page in its own task, so 10,000 runs never
	 * make one long task (principle 6) — a single getAll of them takes 200–400 ms
	 * here. Pages are primary-key ranges (each one getAll), found from the
	 * project index's keys; other projects' runs inside a range are skipped.
	 * Aborting `signal` aborts the read (abort-with.ts).
	 */
	listByProject(projectId: string, signal?: AbortSignal): Promise<RunRecord[]> {
		return this.db.transaction('r', this.db.runs, async (tx) => {
			abortWith(tx, signal);
			// For a live query, this tracks the project's whole index range (a run added, changed
			// or removed re-runs it) at the cost of one key. The keys themselves come straight from
			// IndexedDB: read through Dexie, a live query also tracks each of them one by one
			// (~35 ms of the page's thread for 10,000), which the range makes redundant.
			const tracked = this.#newestFirst(projectId).limit(1).primaryKeys();
			const index = tx.idbtrans.objectStore('runs').index('[projectId+startedAt]');
			const ids = ((await requestResult(index.getAllKeys(IDBKeyRange.bound([projectId, -Infinity], [projectId, Infinity])))) as string[]).sort();
			await tracked;
			const pages: Promise<RunRecord[]>[] = [];
			// All pages requested at once: IndexedDB answers them back to back (no round trip
			// between pages), and each answer is still deserialised in its own task.
			for (let i = 0; i < ids.length; i += LIST_PAGE_ROWS) {
				const last = ids[Math.min(i + LIST_PAGE_ROWS, ids.length) - 1] as string;
				pages.push(this.db.runs.where(':id').between(ids[i] as string, last, true, true).toArray());
			}
			const out = (await Promise.all(pages)).flat().filter((run) => run.projectId === projectId);
			return out.sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
		});
	}

	/** The project's `limit` newest runs: what the runs table shows first, while the rest load. */
	listNewest(projectId: string, limit: number): Promise<RunRecord[]> {
		return this.#newestFirst(projectId).limit(limit).toArray();
	}

	#newestFirst(projectId: string) {
		return this.db.runs
			.where('[projectId+startedAt]')
			.between([projectId, -Infinity], [projectId, Infinity])
			.reverse();
	}

	/**
	 * Marks runs whose logging process died as `killed`: a run still `running`
	 * whose heartbeat is older than `staleAfterMs` has nobody left to finish it.
	 * Only runs this device authored: a teammate's run may be alive on their
	 * laptop while its heartbeat has not reached us yet.
	 */
	async sweepStale(now: number, staleAfterMs: number, author?: string): Promise<string[]> {
		const stale = await this.db.runs
			.where('status')
			.equals('running')
			.filter((r) => now - r.heartbeatAt > staleAfterMs && (author === undefined || r.author === author))
			.toArray();
		for (const run of stale) await this.update(run.id, (r) => {
			r.status = 'killed';
			r.endedAt = r.heartbeatAt;
		});
		return stale.map((r) => r.id);
	}
}

function requestResult<T>(request: IDBRequest<T>): Promise<T> {
	return new Promise((resolve, reject) => {
		request.onsuccess = () => resolve(request.result);
		request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
	});
}
