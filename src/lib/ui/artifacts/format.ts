/** Text for artifact pages: sizes, rates, time left, version labels, error messages. */
import { ARTIFACT_KINDS, isExternal, type ArtifactKind, type ArtifactRecord, type ArtifactVersion } from '$lib/core/artifacts';
import { formatBytes } from '$lib/ui/storage.svelte';

export { formatBytes };

/** "85.3 MB/s" (decimal megabytes, like the byte counts next to it). */
export function formatRate(bytesPerSecond: number): string {
	if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '— MB/s';
	const mb = bytesPerSecond / 1e6;
	return `${mb < 10 ? mb.toFixed(1) : Math.round(mb)} MB/s`;
}

/** "4 s left", "2 min 5 s left"; empty while the rate is still unknown. */
export function formatSecondsLeft(seconds: number): string {
	if (!Number.isFinite(seconds) || seconds < 0) return '';
	const s = Math.ceil(seconds);
	if (s < 60) return `${s} s left`;
	const m = Math.floor(s / 60);
	if (m < 60) return `${m} min ${s % 60} s left`;
	return `${Math.floor(m / 60)} h ${m % 60} min left`;
}

export function formatTime(ms: number): string {
	return new Date(ms).toLocaleString();
}

/** The first 12 hex digits: enough to tell hashes apart at a glance. */
export function shortHash(hex: string): string {
	return hex.length > 12 ? `${hex.slice(0, 12)}…` : hex;
}

export { errorMessage } from '../error-message';

export function isAbort(error: unknown): boolean {
	return error instanceof DOMException ? error.name === 'AbortError' : error instanceof Error && error.name === 'AbortError';
}

/** Aliases pointing at `version`, `latest` first. */
export function aliasesOf(artifact: ArtifactRecord, version: number): string[] {
	const custom = Object.entries(artifact.aliases)
		.filter(([, v]) => v === version)
		.map(([a]) => a)
		.sort();
	return artifact.latestVersion === version ? ['latest', ...custom] : custom;
}

/** Splits a version id `${project}/${name}/v${n}` (project and name contain no '/'). */
export function parseVersionId(id: string): { projectId: string; name: string; version: number } | null {
	const m = /^([^/]+)\/([^/]+)\/v(\d+)$/.exec(id);
	return m ? { projectId: m[1] as string, name: m[2] as string, version: Number(m[3]) } : null;
}

export function versionHref(id: string): string {
	const p = parseVersionId(id);
	return p ? `/p/${p.projectId}/artifacts/${encodeURIComponent(p.name)}/v/${p.version}` : '#';
}

/** "churn-model v3" from a version id. */
export function versionLabel(id: string): string {
	const p = parseVersionId(id);
	return p ? `${p.name} v${p.version}` : id;
}

export const KIND_LABELS: Record<ArtifactKind, string> = {
	model: 'model',
	preprocessor: 'preprocessor / pipeline',
	report: 'report',
	plot: 'plot',
	dataset: 'dataset',
	config: 'config',
	other: 'other'
};

export const KIND_OPTIONS = ARTIFACT_KINDS.map((kind) => ({ kind, label: KIND_LABELS[kind] }));

/**
 * A version's size for tables: its stored bytes, and the declared size of
 * the files it only references (dataset references store no bytes, so
 * `version.size` alone read "0 B" for them).
 */
export function versionSize(version: ArtifactVersion): string {
	const refs = version.files.filter(isExternal);
	if (refs.length === 0) return formatBytes(version.size);
	const known = refs.every((f) => f.size !== null);
	const referenced = refs.reduce((n, f) => n + (f.size ?? 0), 0);
	const label = known ? `${formatBytes(referenced)} referenced` : 'referenced';
	return refs.length === version.files.length ? label : `${formatBytes(version.size)} + ${label}`;
}
