/**
 * One-time import of a database written before sync existed (schema versions
 * 1–2, where Dexie was the source of truth) into the workspace document, so
 * the personal workspace keeps its data. Runs when the document has never been
 * initialised (no `meta.schema`) and the database holds records; afterwards the
 * projection rewrites the same rows from the document.
 */
import type * as Y from 'yjs';
import { artifactId, type ArtifactVersion, type LockState } from '$lib/core/artifacts';
import type { CairnDb } from '$lib/store/db';
import {
	addMove,
	aliasKey,
	newArtifactMap,
	newProjectMap,
	newRunMap,
	newVersionMap,
	root,
	seriesEntryKey,
	tailKey,
	useKey,
	type AliasTarget,
	type SeriesEntry,
	type TailEntry,
	type UseEntry
} from './doc-schema';
import { MIGRATION_ORIGIN } from './origins';

/** Bumped when the document layout changes incompatibly (doc-schema.ts). */
export const DOC_SCHEMA = 1;

export async function initialiseDocument(doc: Y.Doc, db: CairnDb, workspaceName: string): Promise<{ migrated: boolean }> {
	const meta = root<unknown>(doc, 'meta');
	if (meta.has('schema')) return { migrated: false };
	const [projects, runs, series, tails, artifacts, versions, uses] = await db.transaction(
		'r',
		[db.projects, db.runs, db.seriesChunks, db.seriesTails, db.artifacts, db.artifactVersions, db.artifactUses],
		() =>
			Promise.all([
				db.projects.toArray(),
				db.runs.toArray(),
				db.seriesChunks.toArray(),
				db.seriesTails.toArray(),
				db.artifacts.toArray(),
				db.artifactVersions.toArray(),
				db.artifactUses.toArray()
			])
	);
	const migrated = projects.length + runs.length + artifacts.length > 0;
	doc.transact(() => {
		meta.set('schema', DOC_SCHEMA);
		if (!meta.has('name')) meta.set('name', workspaceName);
		if (!migrated) return;
		const p = root<Y.Map<unknown>>(doc, 'projects');
		for (const project of projects) p.set(project.id, newProjectMap(project));
		const r = root<Y.Map<unknown>>(doc, 'runs');
		for (const run of runs) r.set(run.id, newRunMap(run));
		const s = root<SeriesEntry>(doc, 'series');
		for (const row of series) s.set(seriesEntryKey(row.runId, row.series, row.seq), { hash: row.hash, points: row.points, firstStep: row.firstStep, lastStep: row.lastStep });
		const t = root<TailEntry>(doc, 'tails');
		for (const row of tails) t.set(tailKey(row.runId, row.series), { seq: row.seq, data: new Uint8Array(row.data.buffer.slice(0)) });
		const byId = new Map<string, ArtifactVersion>(versions.map((v) => [v.id, v]));
		const keyOf = (projectId: string, name: string, n: number | null) => (n === null ? null : (byId.get(`${projectId}/${name}/v${n}`)?.key ?? null));
		const v = root<Y.Map<unknown>>(doc, 'versions');
		const l = root<LockState | null>(doc, 'locks');
		for (const version of versions) {
			const { id: _id, version: number, locked, key, ...body } = version;
			v.set(key, newVersionMap(body, number));
			if (locked) l.set(key, locked);
		}
		const a = root<Y.Map<unknown>>(doc, 'artifacts');
		const aliases = root<AliasTarget>(doc, 'aliases');
		for (const artifact of artifacts) {
			const aid = artifactId(artifact.projectId, artifact.name);
			a.set(aid, newArtifactMap(artifact.projectId, artifact.name, artifact.kind, artifact.createdAt));
			for (const [alias, n] of Object.entries(artifact.aliases)) {
				const k = keyOf(artifact.projectId, artifact.name, n);
				if (k) aliases.set(aliasKey(aid, alias), { key: k, at: artifact.createdAt, by: 'migration' });
			}
			for (const m of artifact.aliasHistory)
				addMove(doc, aid, {
					alias: m.alias,
					fromKey: keyOf(artifact.projectId, artifact.name, m.from),
					toKey: keyOf(artifact.projectId, artifact.name, m.to),
					at: m.at,
					by: m.by,
					reason: m.reason
				});
		}
		const u = root<UseEntry>(doc, 'uses');
		for (const use of uses) {
			const k = byId.get(use.versionId)?.key;
			if (k) u.set(useKey(use.runId, k), { runId: use.runId, versionKey: k, at: use.at });
		}
	}, MIGRATION_ORIGIN);
	return { migrated };
}
