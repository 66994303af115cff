/**
 * Run records. Every read and write of a run goes through here so that the sync
 * issue can redirect writes into the shared Yjs document (the records are plain
 * JSON-like objects for that reason) without touching the SDK or the pages.
 */
import { NotFoundError } from '$lib/core/errors';
import type { RunRecord } from '$lib/core/types';
import type { CairnDb } from './db';

export class RunRepository {
	constructor(private readonly db: CairnDb) {}

	async create(run: RunRecord): Promise<void> {
		await this.db.runs.add(run);
	}

	get(id: string): Promise<RunRecord | undefined> {
		return this.db.runs.get(id);
	}

	/**
	 * Read-modify-write in one transaction. `mutate` may throw a validation
	 * error: the transaction then aborts and the stored run is unchanged.
	 */
	async update(id: string, mutate: (run: RunRecord) => void): Promise<RunRecord> {
		return this.db.transaction('rw', this.db.runs, async () => {
			const run = await this.db.runs.get(id);
			if (!run) throw new NotFoundError('run', id);
			mutate(run);
			await this.db.runs.put(run);
			return run;
		});
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
	 */
	async sweepStale(now: number, staleAfterMs: number): Promise<string[]> {
		return this.db.transaction('rw', this.db.runs, async () => {
			const stale = await this.db.runs
				.where('status')
				.equals('running')
				.filter((r) => now - r.heartbeatAt > staleAfterMs)
				.toArray();
			for (const run of stale) {
				run.status = 'killed';
				run.endedAt = run.heartbeatAt;
			}
			await this.db.runs.bulkPut(stale);
			return stale.map((r) => r.id);
		});
	}
}
