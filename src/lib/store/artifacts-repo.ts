/**
 * Artifact versions, aliases, locks, lineage and chunk reference counts.
 * Reads come from the Dexie projection; changes go to the shared document
 * through SharedWrites. A version is written there only after commitVersion
 * checked that every chunk it names is stored: a tab closed mid-upload leaves
 * unreferenced chunks (swept later by collectGarbage), never a partial version.
 * Chunk reference counts are kept by the projection (sync/projection.ts).
 */
import {
	artifactId,
	contentManifest,
	isExternal,
	resolveVersionRef,
	validateAlias,
	validateArtifactName,
	validateKind,
	validateMetadata,
	versionId,
	type ArtifactFile,
	type ArtifactKind,
	type ArtifactRecord,
	type ArtifactUse,
	type ArtifactVersion
} from '$lib/core/artifacts';
import { ConflictError, InvalidFieldError, LockedError, MissingChunksError, NotFoundError } from '$lib/core/errors';
import { sha256Hex } from '$lib/core/hash';
import { validateProjectId } from '$lib/core/validate';
import type { CairnDb } from './db';
import type { SharedWrites } from './shared-writes';
import { DEFAULT_NAMING_TEMPLATE } from '$lib/core/naming';

/** Unreferenced chunks younger than this may belong to an ingest still running: GC leaves them. */
export const GC_GRACE_MS = 15 * 60_000;

export interface CommitVersionInput {
	projectId: string;
	name: string;
	kind: ArtifactKind;
	files: ArtifactFile[];
	metadata?: Record<string, string | number | boolean | null>;
	producingRunId: string | null;
	createdBy: string;
	now: number;
}

export interface CommitResult {
	version: ArtifactVersion;
	/** False when the newest version already had identical content: nothing new was created. */
	created: boolean;
}

export interface Actor {
	by: string;
	now: number;
}

function countRefs(files: readonly ArtifactFile[]): Map<string, number> {
	const counts = new Map<string, number>();
	for (const f of files) if (!isExternal(f)) for (const h of f.chunks) counts.set(h, (counts.get(h) ?? 0) + 1);
	return counts;
}

export class ArtifactRepository {
	constructor(
		private readonly db: CairnDb,
		private readonly shared: SharedWrites
	) {}

	async commitVersion(input: CommitVersionInput): Promise<CommitResult> {
		const projectId = validateProjectId(input.projectId);
		const name = validateArtifactName(input.name);
		const kind = validateKind(input.kind);
		const metadata = validateMetadata(input.metadata);
		if (input.files.length === 0) throw new InvalidFieldError('artifact files', 'a version needs at least one file or dataset reference');
		const paths = new Set<string>();
		for (const f of input.files) {
			if (paths.has(f.path)) throw new InvalidFieldError('artifact files', `the path "${f.path}" appears twice in one version`);
			paths.add(f.path);
		}
		const contentDigest = await sha256Hex(new TextEncoder().encode(contentManifest(input.files)));
		const { db } = this;
		const hashes = [...countRefs(input.files).keys()];
		const missing = (await db.blobChunks.bulkGet(hashes)).flatMap((row, i) => (row ? [] : [hashes[i] as string]));
		if (missing.length) throw new MissingChunksError(missing);
		const existing = await db.artifacts.get(artifactId(projectId, name));
		if (existing && existing.kind !== kind)
			throw new ConflictError(`Artifact "${name}" holds ${existing.kind} versions; log a ${kind} under another name.`);
		// Identical content is never stored twice under one name: the version that holds it is returned.
		const same = await db.artifactVersions.where('contentDigest').equals(contentDigest).filter((v) => v.projectId === projectId && v.name === name).first();
		if (same) return { version: same, created: false };
		const proposed = (existing?.latestVersion ?? 0) + 1;
		const { key, created } = await this.shared.createVersion(
			{ projectId, name, kind, createdAt: input.now },
			{
				projectId,
				name,
				kind,
				files: input.files,
				contentDigest,
				size: input.files.reduce((n, f) => n + (isExternal(f) ? 0 : f.size), 0),
				metadata,
				producingRunId: input.producingRunId,
				createdAt: input.now,
				createdBy: input.createdBy
			},
			proposed
		);
		if (!(await db.projects.get(projectId)))
			await this.shared.ensureProject({ id: projectId, name: projectId, createdAt: input.now, namingTemplate: DEFAULT_NAMING_TEMPLATE, description: '' });
		const version = await db.artifactVersions.where('key').equals(key).first();
		if (!version) throw new NotFoundError('artifact version', key);
		return { version, created };
	}

	getArtifact(projectId: string, name: string): Promise<ArtifactRecord | undefined> {
		return this.db.artifacts.get(artifactId(projectId, name));
	}

	listArtifacts(projectId: string): Promise<ArtifactRecord[]> {
		return this.db.artifacts.where('projectId').equals(projectId).sortBy('name');
	}

	getVersion(id: string): Promise<ArtifactVersion | undefined> {
		return this.db.artifactVersions.get(id);
	}

	listVersions(projectId: string, name: string): Promise<ArtifactVersion[]> {
		return this.db.artifactVersions
			.where('[projectId+name+version]')
			.between([projectId, name, 0], [projectId, name, Infinity])
			.reverse()
			.toArray();
	}

	versionsProducedBy(runId: string): Promise<ArtifactVersion[]> {
		return this.db.artifactVersions.where('producingRunId').equals(runId).toArray();
	}

	/** Resolves `v3`, `3`, `latest` or an alias; throws NotFoundError naming what exists. */
	async resolve(projectId: string, name: string, ref: string | number = 'latest'): Promise<ArtifactVersion> {
		const artifact = await this.getArtifact(projectId, name);
		if (!artifact) throw new NotFoundError('artifact', artifactId(projectId, name));
		const number = resolveVersionRef(artifact, ref);
		const version = number === null ? undefined : await this.getVersion(versionId(projectId, name, number));
		if (!version) {
			const aliases = ['latest', ...Object.keys(artifact.aliases)].join(', ');
			throw new NotFoundError('artifact version', `${artifactId(projectId, name)}@${ref} (versions v1–v${artifact.latestVersion}; aliases ${aliases})`);
		}
		return version;
	}

	/** Points `alias` at `version`. Moving an alias off a locked version needs that version unlocked first. */
	async setAlias(projectId: string, name: string, alias: string, version: number, actor: Actor & { reason?: string }): Promise<void> {
		validateAlias(alias);
		const artifact = await this.db.artifacts.get(artifactId(projectId, name));
		if (!artifact) throw new NotFoundError('artifact', artifactId(projectId, name));
		const target = await this.db.artifactVersions.get(versionId(projectId, name, version));
		if (!target) throw new NotFoundError('artifact version', versionId(projectId, name, version));
		const from = artifact.aliases[alias] ?? null;
		if (from === version) return;
		const current = from === null ? undefined : await this.#assertAliasMovable(projectId, name, alias, from);
		await this.shared.changeAlias({ projectId, name, alias, toKey: target.key, fromKey: current?.key ?? null, by: actor.by, at: actor.now, reason: actor.reason ?? '' });
	}

	async removeAlias(projectId: string, name: string, alias: string, actor: Actor & { reason?: string }): Promise<void> {
		const artifact = await this.db.artifacts.get(artifactId(projectId, name));
		if (!artifact) throw new NotFoundError('artifact', artifactId(projectId, name));
		const from = artifact.aliases[alias];
		if (from === undefined) return;
		const current = await this.#assertAliasMovable(projectId, name, alias, from);
		await this.shared.changeAlias({ projectId, name, alias, toKey: null, fromKey: current?.key ?? null, by: actor.by, at: actor.now, reason: actor.reason ?? '' });
	}

	async #assertAliasMovable(projectId: string, name: string, alias: string, from: number): Promise<ArtifactVersion | undefined> {
		const current = await this.db.artifactVersions.get(versionId(projectId, name, from));
		if (current?.locked)
			throw new LockedError(`Alias "${alias}" points at ${current.id}, which`, 'Unlock that version (with a reason) before moving its aliases.');
		return current;
	}

	async lock(id: string, actor: Actor & { reason: string }): Promise<ArtifactVersion> {
		const version = await this.#version(id);
		if (version.locked) return version;
		await this.shared.setLock(version.key, { by: actor.by, at: actor.now, reason: actor.reason });
		return this.#version(id);
	}

	/** Unlocking asks for a reason: it is the explicit step that allows changing an approved version. */
	async unlock(id: string, actor: Actor & { reason: string }): Promise<ArtifactVersion> {
		if (typeof actor.reason !== 'string' || actor.reason.trim().length < 3)
			throw new InvalidFieldError('unlock reason', 'say why this version is being unlocked (at least 3 characters)');
		const version = await this.#version(id);
		if (!version.locked) return version;
		await this.shared.setLock(version.key, null);
		return this.#version(id);
	}

	async #version(id: string): Promise<ArtifactVersion> {
		const version = await this.db.artifactVersions.get(id);
		if (!version) throw new NotFoundError('artifact version', id);
		return version;
	}

	/**
	 * Deletes an unlocked version that no alias points at. The projection frees
	 * the chunks no other version references; this returns what that frees.
	 */
	async deleteVersion(id: string, actor: Actor): Promise<{ freedBytes: number; freedChunks: number }> {
		const { db } = this;
		const version = await this.#version(id);
		if (version.locked) throw new LockedError(`${id}`, 'Unlock it (with a reason) before deleting it.');
		const artifact = await db.artifacts.get(artifactId(version.projectId, version.name));
		const pointing = Object.entries(artifact?.aliases ?? {}).filter(([, v]) => v === version.version).map(([a]) => a);
		if (pointing.length) throw new ConflictError(`Aliases ${pointing.map((a) => `"${a}"`).join(', ')} point at ${id}; move or remove them first.`);
		const refs = countRefs(version.files);
		const rows = await db.chunkRefs.bulkGet([...refs.keys()]);
		const dead = [...refs].flatMap(([hash, n], i) => ((rows[i]?.refs ?? n) - n <= 0 ? [hash] : []));
		const freed = await db.blobChunks.where('hash').anyOf(dead).toArray();
		await this.shared.deleteVersion(version.key, actor.by, actor.now);
		return { freedBytes: freed.reduce((n, c) => n + c.size, 0), freedChunks: freed.length };
	}

	async recordUse(runId: string, versionIdValue: string, now: number): Promise<void> {
		const version = await this.#version(versionIdValue);
		await this.shared.recordUse(runId, version.key, now);
	}

	usesOfVersion(id: string): Promise<ArtifactUse[]> {
		return this.db.artifactUses.where('versionId').equals(id).toArray();
	}

	/** The uses of any of these versions, in one query. */
	usesOfVersions(ids: readonly string[]): Promise<ArtifactUse[]> {
		return ids.length === 0 ? Promise.resolve([]) : this.db.artifactUses.where('versionId').anyOf([...ids]).toArray();
	}

	inputsOfRun(runId: string): Promise<ArtifactUse[]> {
		return this.db.artifactUses.where('runId').equals(runId).toArray();
	}

	/**
	 * Mark and sweep: deletes chunks no version references that are older than
	 * `graceMs` (younger ones may belong to an ingest in progress).
	 */
	async collectGarbage(now: number, graceMs = GC_GRACE_MS): Promise<{ freedBytes: number; freedChunks: number }> {
		const { db } = this;
		return db.transaction('rw', [db.artifactVersions, db.blobChunks, db.chunkRefs], async () => {
			const live = new Set<string>();
			await db.artifactVersions.each((v) => {
				for (const f of v.files) if (!isExternal(f)) for (const h of f.chunks) live.add(h);
			});
			const doomed: { hash: string; size: number }[] = [];
			await db.blobChunks.where('writtenAt').below(now - graceMs).each((row) => {
				if (!live.has(row.hash)) doomed.push({ hash: row.hash, size: row.size });
			});
			const keys = doomed.map((d) => d.hash);
			await db.blobChunks.bulkDelete(keys);
			await db.chunkRefs.bulkDelete(keys);
			return { freedBytes: doomed.reduce((n, d) => n + d.size, 0), freedChunks: doomed.length };
		});
	}

	/** Logical bytes (what versions hold) against stored bytes (unique chunks), per project and overall. */
	async storageReport(): Promise<StorageReport> {
		const { db } = this;
		return db.transaction('r', [db.artifactVersions, db.blobChunks], async () => {
			const chunkSizes = new Map<string, number>();
			await db.blobChunks.each((c) => chunkSizes.set(c.hash, c.size));
			const byProject = new Map<string, { logicalBytes: number; chunks: Set<string> }>();
			const byArtifact = new Map<string, { logicalBytes: number; chunks: Set<string> }>();
			let logicalBytes = 0;
			await db.artifactVersions.each((v) => {
				const p = byProject.get(v.projectId) ?? { logicalBytes: 0, chunks: new Set<string>() };
				const aid = artifactId(v.projectId, v.name);
				const a = byArtifact.get(aid) ?? { logicalBytes: 0, chunks: new Set<string>() };
				byProject.set(v.projectId, p);
				byArtifact.set(aid, a);
				p.logicalBytes += v.size;
				a.logicalBytes += v.size;
				logicalBytes += v.size;
				for (const f of v.files) {
					if (isExternal(f)) continue;
					for (const h of f.chunks) {
						p.chunks.add(h);
						a.chunks.add(h);
					}
				}
			});
			const stored = (set: Set<string>) => [...set].reduce((n, h) => n + (chunkSizes.get(h) ?? 0), 0);
			const storedBytes = [...chunkSizes.values()].reduce((n, s) => n + s, 0);
			const summarize = (m: Map<string, { logicalBytes: number; chunks: Set<string> }>) =>
				Object.fromEntries([...m].map(([k, v]) => [k, { logicalBytes: v.logicalBytes, storedBytes: stored(v.chunks) }]));
			return { logicalBytes, storedBytes, savedBytes: Math.max(0, logicalBytes - storedBytes), byProject: summarize(byProject), byArtifact: summarize(byArtifact) };
		});
	}
}

export interface StorageReport {
	/** Sum of every version's file sizes: what storing without dedup would take. */
	logicalBytes: number;
	/** Bytes of unique chunks actually stored (including unreferenced ones awaiting GC). */
	storedBytes: number;
	savedBytes: number;
	byProject: Record<string, { logicalBytes: number; storedBytes: number }>;
	byArtifact: Record<string, { logicalBytes: number; storedBytes: number }>;
}
