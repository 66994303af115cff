/**
 * Read models for the artifact pages, composed from the repositories. Pages
 * subscribe to them through LiveQuery, so they only read Dexie (no other async
 * work inside, which would break liveQuery's dependency tracking).
 */
import { resolveVersionRef, versionId, type ArtifactRecord, type ArtifactUse, type ArtifactVersion } from '$lib/core/artifacts';
import type { RunRecord } from '$lib/core/types';
import type { Cairn } from '$lib/sdk/cairn';

export interface ArtifactRow {
	artifact: ArtifactRecord;
	versions: ArtifactVersion[];
	latest: ArtifactVersion | undefined;
	producingRun: RunRecord | undefined;
	/** Runs that used any version of it (run.useArtifact). */
	consumers: number;
}

/** The distinct runs that used each version, by version id. */
function runsByVersion(uses: readonly ArtifactUse[]): Map<string, Set<string>> {
	const out = new Map<string, Set<string>>();
	for (const use of uses) {
		const runs = out.get(use.versionId) ?? new Set<string>();
		runs.add(use.runId);
		out.set(use.versionId, runs);
	}
	return out;
}

async function runsById(cairn: Cairn, ids: Iterable<string | null>): Promise<Map<string, RunRecord>> {
	const unique = [...new Set([...ids].filter((id): id is string => id !== null))];
	const runs = await Promise.all(unique.map((id) => cairn.runs.get(id)));
	return new Map(runs.filter((r): r is RunRecord => r !== undefined).map((r) => [r.id, r]));
}

/** Every artifact of a project with its versions (newest first), the run that produced the newest, and how many runs used it. */
export async function projectArtifacts(cairn: Cairn, projectId: string): Promise<ArtifactRow[]> {
	const artifacts = await cairn.artifacts.listArtifacts(projectId);
	const versions = await Promise.all(artifacts.map((a) => cairn.artifacts.listVersions(projectId, a.name)));
	const [runs, uses] = await Promise.all([
		runsById(cairn, versions.map((v) => v[0]?.producingRunId ?? null)),
		cairn.artifacts.usesOfVersions(versions.flat().map((v) => v.id))
	]);
	const users = runsByVersion(uses);
	return artifacts.map((artifact, i) => {
		const list = versions[i] ?? [];
		const latest = list.find((v) => v.version === artifact.latestVersion) ?? list[0];
		const consumers = new Set(list.flatMap((v) => [...(users.get(v.id) ?? [])])).size;
		return { artifact, versions: list, latest, producingRun: latest?.producingRunId ? runs.get(latest.producingRunId) : undefined, consumers };
	});
}

export interface VersionRow {
	version: ArtifactVersion;
	producingRun: RunRecord | undefined;
	consumers: number;
}

/** One artifact and its versions, newest first, each with its producing run and how many runs used it. */
export async function artifactDetail(cairn: Cairn, projectId: string, name: string): Promise<{ artifact: ArtifactRecord; versions: VersionRow[] } | null> {
	const artifact = await cairn.artifacts.getArtifact(projectId, name);
	if (!artifact) return null;
	const versions = await cairn.artifacts.listVersions(projectId, name);
	const [runs, uses] = await Promise.all([
		runsById(cairn, versions.map((v) => v.producingRunId)),
		cairn.artifacts.usesOfVersions(versions.map((v) => v.id))
	]);
	const users = runsByVersion(uses);
	return {
		artifact,
		versions: versions.map((version) => ({
			version,
			producingRun: version.producingRunId ? runs.get(version.producingRunId) : undefined,
			consumers: users.get(version.id)?.size ?? 0
		}))
	};
}

/** `ref` is a number, `v3`, `latest` or an alias. */
export async function versionByRef(
	cairn: Cairn,
	projectId: string,
	name: string,
	ref: string
): Promise<{ artifact: ArtifactRecord | undefined; version: ArtifactVersion | undefined }> {
	const artifact = await cairn.artifacts.getArtifact(projectId, name);
	if (!artifact) return { artifact, version: undefined };
	const number = resolveVersionRef(artifact, ref);
	const version = number === null ? undefined : await cairn.artifacts.getVersion(versionId(projectId, name, number));
	return { artifact, version };
}

export interface UsedVersion {
	use: ArtifactUse;
	/** Undefined when the version was deleted since. */
	version: ArtifactVersion | undefined;
}

export interface Lineage {
	producingRun: RunRecord | undefined;
	/** Artifact versions the producing run declared as inputs (run.useArtifact). */
	inputs: UsedVersion[];
	/** Runs that consumed this version, oldest use first. */
	consumers: { use: ArtifactUse; run: RunRecord | undefined }[];
}

async function usedVersions(cairn: Cairn, uses: ArtifactUse[]): Promise<UsedVersion[]> {
	const versions = await Promise.all(uses.map((u) => cairn.artifacts.getVersion(u.versionId)));
	return uses.map((use, i) => ({ use, version: versions[i] }));
}

/** data → producing run → this version → runs that used it. */
export async function versionLineage(cairn: Cairn, version: ArtifactVersion): Promise<Lineage> {
	const [producingRun, inputUses, consumerUses] = await Promise.all([
		version.producingRunId ? cairn.runs.get(version.producingRunId) : Promise.resolve(undefined),
		version.producingRunId ? cairn.artifacts.inputsOfRun(version.producingRunId) : Promise.resolve([]),
		cairn.artifacts.usesOfVersion(version.id)
	]);
	const [inputs, runs] = await Promise.all([usedVersions(cairn, inputUses), runsById(cairn, consumerUses.map((u) => u.runId))]);
	return {
		producingRun,
		inputs,
		consumers: [...consumerUses].sort((a, b) => a.at - b.at).map((use) => ({ use, run: runs.get(use.runId) }))
	};
}

/** What a run produced and what it consumed. */
export async function runArtifacts(cairn: Cairn, runId: string): Promise<{ produced: ArtifactVersion[]; used: UsedVersion[] }> {
	const [produced, uses] = await Promise.all([cairn.artifacts.versionsProducedBy(runId), cairn.artifacts.inputsOfRun(runId)]);
	return {
		produced: [...produced].sort((a, b) => b.createdAt - a.createdAt),
		used: await usedVersions(cairn, [...uses].sort((a, b) => a.at - b.at))
	};
}

/** Which of a version's chunks this device holds (artifact bytes sync on demand). */
export async function chunksOnDevice(cairn: Cairn, version: ArtifactVersion): Promise<{ total: number; held: number; missing: string[] }> {
	const hashes = [...new Set(version.files.flatMap((f) => ('chunks' in f ? f.chunks : [])))];
	const present = new Set(await cairn.bytes.presentChunks(hashes));
	return { total: hashes.length, held: present.size, missing: hashes.filter((h) => !present.has(h)) };
}
