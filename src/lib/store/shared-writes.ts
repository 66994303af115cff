/**
 * The seam between the repositories and the shared Yjs document (principle 4).
 *
 * Projects, runs, metric-series indexes, artifact versions, aliases, locks and
 * lineage are shared team state: their source of truth is the workspace's Yjs
 * document (src/lib/sync/shared-doc.ts implements this interface). The
 * repositories validate against the Dexie projection, then describe each change
 * here in domain terms; every method resolves only once the change is persisted
 * (y-indexeddb) AND projected into the Dexie tables, so a caller reads its own
 * write. The store never imports Yjs: the sync layer plugs in from above.
 */
import type { ArtifactKind, ArtifactVersion, LockState } from '$lib/core/artifacts';
import type { MetricSummary, ProjectRecord, RunRecord, SeriesId } from '$lib/core/types';
import type { SeriesChunkRow } from './db';

/**
 * A sealed chunk's index entry as the writer hands it over: its chunk-index row
 * without the run (the commit names it once). Its `envelope`, when the writer
 * computed it (the SDK does), spares the projection reading the chunk back; it
 * is not shared — peers compute it from the bytes they fetch.
 */
export type SealedEntry = Omit<SeriesChunkRow, 'runId' | 'series'> & { series: SeriesId };

export interface MetricCommit {
	runId: string;
	sealed: SealedEntry[];
	/** Per written series: the new open tail, or null when it ended exactly on a chunk boundary. */
	tails: { series: SeriesId; tail: { seq: number; data: Float64Array<ArrayBuffer> } | null }[];
	summaries: Record<SeriesId, MetricSummary>;
	heartbeatAt: number;
}

/** The immutable part of a new version; number and id are assigned by the projection. */
export type NewVersion = Omit<ArtifactVersion, 'id' | 'version' | 'locked' | 'key'>;

export interface AliasChange {
	projectId: string;
	name: string;
	alias: string;
	/** Document key of the target version, or null to remove the alias. */
	toKey: string | null;
	fromKey: string | null;
	by: string;
	at: number;
	reason: string;
}

export interface SharedWrites {
	ensureProject(project: ProjectRecord): Promise<void>;
	createRun(run: RunRecord): Promise<void>;
	/** Writes only the fields that differ (tags as a set, notes as a text diff). */
	updateRun(before: RunRecord, after: RunRecord): Promise<void>;
	commitMetrics(commit: MetricCommit): Promise<void>;
	/** Resolves to the version's document key; `created` is false when identical content was already there (the projection had not caught up). */
	createVersion(
		artifact: { projectId: string; name: string; kind: ArtifactKind; createdAt: number },
		version: NewVersion,
		proposed: number
	): Promise<{ key: string; created: boolean }>;
	changeAlias(change: AliasChange): Promise<void>;
	setLock(versionKey: string, lock: LockState | null): Promise<void>;
	deleteVersion(versionKey: string, by: string, at: number): Promise<void>;
	recordUse(runId: string, versionKey: string, at: number): Promise<void>;
}
