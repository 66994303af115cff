/**
 * The artifact part of the document → Dexie projection (projection.ts calls
 * it inside its write transaction): versions numbered deterministically from
 * their proposals (doc-schema.ts), aliases and their move history, locks and
 * deletions, reference counts of the chunks versions name (an unreferenced
 * chunk is freed at once), and lineage rows (which run used which version).
 */
import * as Y from 'yjs';
import { artifactId, isExternal, versionId, type ArtifactRecord, type ArtifactVersion, type AliasMove } from '$lib/core/artifacts';
import type { CairnDb } from '$lib/store/db';
import { assignVersionNumbers, isDeleted, readAliases, readMoves, readVersion, root, splitKey, type UseEntry, type VersionState } from './doc-schema';

export type InvalidRecordHandler = (where: string, error: unknown) => void;

/** The artifact a version key belongs to: `${projectId}/${name}@${digest}` → `${projectId}/${name}`. */
export function artifactOfVersionKey(key: string): string {
	return key.slice(0, key.indexOf('@'));
}

/**
 * Projects the artifacts `ids` (records, versions, aliases, chunk counts),
 * then the uses in `uses` plus every use of those artifacts: a version
 * renumbered renames their rows, and a use can arrive before its version
 * (recorded by a third peer that had it).
 */
export async function projectArtifacts(doc: Y.Doc, db: CairnDb, ids: Set<string>, uses: Set<string>, onInvalid: InvalidRecordHandler): Promise<void> {
	await projectArtifactRecords(doc, db, ids, onInvalid);
	for (const [k, use] of root<UseEntry>(doc, 'uses')) if (ids.has(artifactOfVersionKey(use.versionKey))) uses.add(k);
	await projectUses(doc, db, uses);
}

/** Records, versions and aliases of the artifacts `ids`; the use rows of a renumbered one are dropped (projectArtifacts re-projects them). */
async function projectArtifactRecords(doc: Y.Doc, db: CairnDb, ids: Set<string>, onInvalid: InvalidRecordHandler): Promise<void> {
	if (ids.size === 0) return;
	const artifacts = root<Y.Map<unknown>>(doc, 'artifacts');
	const byArtifact = new Map<string, VersionState[]>();
	for (const [key, y] of root<Y.Map<unknown>>(doc, 'versions')) {
		const aid = artifactOfVersionKey(key);
		if (!ids.has(aid) || !(y instanceof Y.Map)) continue;
		byArtifact.set(aid, [...(byArtifact.get(aid) ?? []), readVersion(doc, key, y)]);
	}
	for (const aid of ids) {
		const states = byArtifact.get(aid) ?? [];
		const numbers = assignVersionNumbers(states);
		const old = await db.artifactVersions.where('key').startsWith(`${aid}@`).toArray();
		const oldByKey = new Map(old.map((v) => [v.key, v]));
		const rows: ArtifactVersion[] = [];
		let renumbered = false;
		for (const s of states) {
			if (isDeleted(s)) continue;
			const number = numbers.get(s.key) as number;
			rows.push({ ...s.body, id: versionId(s.body.projectId, s.body.name, number), key: s.key, version: number, locked: s.locked });
			const before = oldByKey.get(s.key);
			if (before && before.version !== number) renumbered = true;
		}
		await adjustChunkRefs(db, old, rows);
		await db.artifactVersions.bulkDelete(old.map((v) => v.id));
		await db.artifactVersions.bulkPut(rows);
		const removedIds = old.filter((v) => !rows.some((r) => r.key === v.key)).map((v) => v.id);
		if (removedIds.length) await db.artifactUses.where('versionId').anyOf(removedIds).delete();
		// Renumbered: every use row of this artifact names a stale id; the caller re-projects them.
		if (renumbered) await db.artifactUses.where('versionId').startsWith(`${aid}/v`).delete();
		// Read after the awaits above: a peer's update applied meanwhile may have replaced the
		// artifact's map (two devices created it apart), and a replaced map reads as empty.
		const y = artifacts.get(aid);
		if (!(y instanceof Y.Map)) {
			await db.artifacts.delete(aid);
			continue;
		}
		const numberOf = (key: string | null) => (key === null ? null : (rows.find((r) => r.key === key)?.version ?? numbers.get(key) ?? null));
		const aliases: Record<string, number> = {};
		for (const [alias, target] of readAliases(doc, aid)) {
			const n = rows.find((r) => r.key === target.key)?.version;
			if (n !== undefined) aliases[alias] = n;
		}
		const history: AliasMove[] = readMoves(doc, aid).map((m) => ({ alias: m.alias, from: numberOf(m.fromKey), to: numberOf(m.toKey), at: m.at, by: m.by, reason: m.reason ?? '' }));
		const record: ArtifactRecord = {
			id: aid,
			projectId: y.get('projectId') as string,
			name: y.get('name') as string,
			kind: y.get('kind') as ArtifactRecord['kind'],
			createdAt: y.get('createdAt') as number,
			latestVersion: rows.reduce((n, r) => Math.max(n, r.version), 0),
			aliases,
			aliasHistory: history
		};
		if (record.id !== artifactId(record.projectId, record.name)) {
			onInvalid(`artifact ${aid}`, new Error('its id does not match its project and name'));
			continue;
		}
		await db.artifacts.put(record);
	}
}

/** Reference counts follow the projected versions; chunks no longer referenced are freed at once. */
async function adjustChunkRefs(db: CairnDb, before: readonly ArtifactVersion[], after: readonly ArtifactVersion[]): Promise<void> {
	const delta = new Map<string, number>();
	const count = (versions: readonly ArtifactVersion[], sign: number) => {
		for (const v of versions) for (const f of v.files) if (!isExternal(f)) for (const h of f.chunks) delta.set(h, (delta.get(h) ?? 0) + sign);
	};
	count(before, -1);
	count(after, +1);
	const changed = [...delta].filter(([, d]) => d !== 0);
	if (changed.length === 0) return;
	const rows = await db.chunkRefs.bulkGet(changed.map(([h]) => h));
	const keep: { hash: string; refs: number }[] = [];
	const dead: string[] = [];
	changed.forEach(([hash, d], i) => {
		const refs = (rows[i]?.refs ?? 0) + d;
		if (refs > 0) keep.push({ hash, refs });
		else dead.push(hash);
	});
	await db.chunkRefs.bulkPut(keep);
	await db.chunkRefs.bulkDelete(dead);
	await db.blobChunks.bulkDelete(dead);
}

async function projectUses(doc: Y.Doc, db: CairnDb, keys: Set<string>): Promise<void> {
	const map = root<UseEntry>(doc, 'uses');
	for (const key of keys) {
		const use = map.get(key);
		const [runId] = splitKey(key) as [string];
		if (!use) continue;
		const version = await db.artifactVersions.where('key').equals(use.versionKey).first();
		if (version) await db.artifactUses.put({ runId, versionId: version.id, at: use.at });
	}
}
