/**
 * Run records. Reads come from the Dexie projection; writes go to the shared
 * document through SharedWrites (shared-writes.ts), which resolves once the
 * change is persisted and projected, so callers read their own writes.
 */
import { NotFoundError } from '$lib/core/errors';
import type { RunRecord } from '$lib/core/types';
import type { CairnDb } from './db';
import type { SharedWrites } from './shared-writes';

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

	listByProject(projectId: string): Promise<RunRecord[]> {
		return this.db.runs
			.where('[projectId+startedAt]')
			.between([projectId, -Infinity], [projectId, Infinity])
			.reverse()
			.toArray();
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
