/**
 * The Dexie database. Versions are numbered and never edited once shipped:
 * a schema change adds a new `version(n)` with an upgrade function, and the old
 * shape is kept as a fixture in tests/unit/fixtures/ with a test that upgrades it.
 *
 * Which store is the source of truth, per table:
 * - projects, runs, seriesChunks, seriesTails, artifacts, artifactVersions,
 *   artifactUses, chunkRefs: a projection of the workspace's Yjs document
 *   (src/lib/sync/projection.ts), rebuildable from it at any time. Callers write
 *   through the repositories, which write the document (store/shared-writes.ts).
 * - metricChunks, blobChunks: immutable, content-addressed bytes — always the truth.
 * - fileDigests: a local cache; syncState: what the projection has seen.
 */
import Dexie, { type EntityTable } from 'dexie';
import type { ArtifactRecord, ArtifactUse, ArtifactVersion } from '$lib/core/artifacts';
import type { ProjectRecord, RunRecord } from '$lib/core/types';

/** A sealed chunk's bytes, keyed by the SHA-256 of `data`'s bytes. */
export interface MetricChunkRow {
	hash: string;
	points: number;
	data: Float64Array<ArrayBuffer>;
}

/** Position of a sealed chunk in a series. */
export interface SeriesChunkRow {
	runId: string;
	series: string;
	seq: number;
	hash: string;
	points: number;
	firstStep: number;
	lastStep: number;
	/**
	 * M4 envelope of the chunk (core/metric-chunks.ts chunkEnvelope), for drawing a
	 * long series without reading every chunk. Not indexed, so no schema change;
	 * rows written before it existed lack it and readers fall back to the chunks.
	 */
	envelope?: Float64Array<ArrayBuffer>;
}

/** The open (unsealed) end of a series, rewritten on each flush. */
export interface SeriesTailRow {
	runId: string;
	series: string;
	/** Sealed chunks before this tail; the tail becomes chunk `seq` when full. */
	seq: number;
	data: Float64Array<ArrayBuffer>;
}

/** Bytes of one artifact chunk, named by their SHA-256. Stored as a Blob so reads hand back disk-backed data. */
export interface BlobChunkRow {
	hash: string;
	size: number;
	data: Blob;
	/** When first written; unreferenced chunks younger than the GC grace period are spared (an ingest may be using them). */
	writtenAt: number;
}

/** How many stored files reference a chunk (each occurrence counts); small rows, so counts change without rewriting bytes. */
export interface ChunkRefRow {
	hash: string;
	refs: number;
}

export type CairnDb = Dexie & {
	projects: EntityTable<ProjectRecord, 'id'>;
	runs: EntityTable<RunRecord, 'id'>;
	metricChunks: EntityTable<MetricChunkRow, 'hash'>;
	seriesChunks: Dexie.Table<SeriesChunkRow, [string, string, number]>;
	seriesTails: Dexie.Table<SeriesTailRow, [string, string]>;
	blobChunks: EntityTable<BlobChunkRow, 'hash'>;
	chunkRefs: EntityTable<ChunkRefRow, 'hash'>;
	artifacts: EntityTable<ArtifactRecord, 'id'>;
	artifactVersions: EntityTable<ArtifactVersion, 'id'>;
	artifactUses: Dexie.Table<ArtifactUse, [string, string]>;
	fileDigests: EntityTable<{ key: string; sha256: string }, 'key'>;
	syncState: EntityTable<SyncStateRow, 'id'>;
};

/** `projection`: the document state vector the Dexie projection reflects (a mismatch on open means rebuild). */
export interface SyncStateRow {
	id: string;
	stateVector: Uint8Array;
}

export const DEFAULT_DB_NAME = 'cairn';

/** Version 1 schema, kept verbatim: tests/unit/store/db-upgrade.test.ts opens data written with it. */
export const SCHEMA_V1 = {
	// Projects by slug; listed by creation.
	projects: 'id, createdAt',
	// Runs: per-project listing in start order, the stale-heartbeat sweep by status, tag filter.
	runs: 'id, [projectId+startedAt], status, *tags',
	// Content-addressed metric chunk bytes.
	metricChunks: 'hash',
	// Series index: ordered chunks of (run, series); by run for deletion.
	seriesChunks: '[runId+series+seq], runId',
	seriesTails: '[runId+series], runId'
} as const;

/** Version 2 adds artifacts (issue 3). New tables only: no upgrade function needed. */
export const SCHEMA_V2 = {
	...SCHEMA_V1,
	// Artifact chunk bytes by SHA-256; by age for the garbage collector's grace period.
	blobChunks: 'hash, writtenAt',
	// Reference counts of chunks, kept apart so a count change never rewrites bytes.
	chunkRefs: 'hash',
	// Logical artifacts by `${project}/${name}`; listed per project.
	artifacts: 'id, projectId',
	// Versions: per artifact in order, per project, by producing run, by content for dedup.
	artifactVersions: 'id, [projectId+name+version], projectId, producingRunId, contentDigest',
	// Lineage: which run consumed which version, both ways.
	artifactUses: '[runId+versionId], versionId, runId',
	// Whole-file SHA-256 by the file's chunk list (a content-derived key, so always sound):
	// lets a re-logged file skip the whole-file hash when all its chunks are already stored.
	fileDigests: 'key'
} as const;

/**
 * Version 3 (issue 4, sync): the tables above become a projection of the
 * workspace's Yjs document. Versions get their document key (stable across
 * devices, unlike numbers, which the projection may reassign after a merge).
 */
export const SCHEMA_V3 = {
	...SCHEMA_V2,
	artifactVersions: 'id, [projectId+name+version], projectId, producingRunId, contentDigest, key',
	// The projection's bookkeeping (one row: the state vector it last projected).
	syncState: 'id'
} as const;

/**
 * Version 4 drops the runs' `*tags` index: the runs table filters tags in
 * memory (it holds the project's runs anyway), and the index cost every run
 * write one more index entry per tag — on a first sync of 10,000 runs that was
 * a measurable part of the projection's IndexedDB time (BENCHMARKS.md).
 */
export const SCHEMA_V4 = {
	...SCHEMA_V3,
	// Runs: per-project listing in start order, the stale-heartbeat sweep by status.
	runs: 'id, [projectId+startedAt], status'
} as const;

export function openDb(name = DEFAULT_DB_NAME): CairnDb {
	const db = new Dexie(name) as CairnDb;
	db.version(1).stores(SCHEMA_V1);
	db.version(2).stores(SCHEMA_V2);
	db.version(3)
		.stores(SCHEMA_V3)
		.upgrade(async (tx) => {
			// Key each existing version by its content; the same content logged twice
			// (possible before version 3) gets the version number as a suffix.
			const seen = new Set<string>();
			await tx
				.table('artifactVersions')
				.toCollection()
				.modify((v: { projectId: string; name: string; contentDigest: string; version: number; key?: string }) => {
					let key = `${v.projectId}/${v.name}@${v.contentDigest}`;
					if (seen.has(key)) key = `${key}~${v.version}`;
					seen.add(key);
					v.key = key;
				});
		});
	db.version(4).stores(SCHEMA_V4);
	return db;
}
