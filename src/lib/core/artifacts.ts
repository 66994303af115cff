/**
 * Artifacts: logical names inside a project with immutable, numbered versions.
 * A version's files are content-addressed: each file names its bytes by SHA-256
 * (the hex `sha256sum` prints) and lists the SHA-256s of its fixed-size chunks.
 *
 * Source of truth: artifact, version, alias, lock and lineage records live in
 * the workspace's Yjs document (sync/doc-schema.ts) and are projected into
 * Dexie; chunk bytes always live in Dexie (`blobChunks`), named by their hash.
 */
import { InvalidFieldError } from './errors';
import { validateKey } from './validate';

/**
 * 4 MiB chunks: a GiB is 256 rows (IndexedDB's per-row cost stays negligible),
 * a chunk is one WebCrypto digest call (fast, SHA-NI), a streamed download holds
 * one chunk in memory at a time, and a peer fetch retries at most 4 MiB. Fixed
 * size (not content-defined) keeps chunk boundaries trivial to verify; dedup
 * still catches identical files and files that share a prefix.
 */
export const ARTIFACT_CHUNK_BYTES = 4 * 1024 * 1024;

export const ARTIFACT_KINDS = ['model', 'preprocessor', 'report', 'plot', 'dataset', 'config', 'other'] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/** A file stored in Cairn: bytes in chunks. */
export interface StoredFile {
	path: string;
	size: number;
	sha256: string;
	/** SHA-256 of each ARTIFACT_CHUNK_BYTES-sized piece, in order; empty for a 0-byte file. */
	chunks: string[];
	mediaType: string;
}

/** A dataset known by reference only: no bytes stored, verifiable against a file the user supplies. */
export interface ExternalFile {
	path: string;
	uri: string;
	size: number | null;
	sha256: string | null;
	version: string | null;
	external: true;
}

export type ArtifactFile = StoredFile | ExternalFile;

export function isExternal(file: ArtifactFile): file is ExternalFile {
	return 'external' in file && file.external === true;
}

export interface LockState {
	by: string;
	at: number;
	reason: string;
}

export interface ArtifactVersion {
	/** `${projectId}/${name}/v${version}` — URL-safe; the number is final once synced (see sync/doc-schema.ts). */
	id: string;
	/** The version's key in the workspace document, `${projectId}/${name}@${contentDigest}`: stable across devices. */
	key: string;
	projectId: string;
	name: string;
	version: number;
	kind: ArtifactKind;
	files: ArtifactFile[];
	/** SHA-256 over the sorted (path, sha256) list: identical content ⇒ identical digest. */
	contentDigest: string;
	size: number;
	metadata: Record<string, string | number | boolean | null>;
	producingRunId: string | null;
	createdAt: number;
	createdBy: string;
	locked: LockState | null;
}

export interface AliasMove {
	alias: string;
	from: number | null;
	to: number | null;
	at: number;
	by: string;
	reason: string;
}

export interface ArtifactRecord {
	/** `${projectId}/${name}` */
	id: string;
	projectId: string;
	name: string;
	kind: ArtifactKind;
	createdAt: number;
	latestVersion: number;
	/** Custom aliases → version. `latest` is implicit: always `latestVersion`. */
	aliases: Record<string, number>;
	/** Every alias move, oldest first (append-only). */
	aliasHistory: AliasMove[];
}

/** A run consumed a version (lineage: data → run → model → runs that used it). */
export interface ArtifactUse {
	runId: string;
	versionId: string;
	at: number;
}

const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const ALIAS_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/;
const SHA256_PATTERN = /^[0-9a-f]{64}$/;

export function validateArtifactName(name: unknown): string {
	if (typeof name !== 'string' || !NAME_PATTERN.test(name))
		throw new InvalidFieldError(
			'artifact name',
			`${JSON.stringify(name)} is not allowed; use 1–100 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit (e.g. "churn-model")`
		);
	return name;
}

export function validateKind(kind: unknown): ArtifactKind {
	if (!(ARTIFACT_KINDS as readonly unknown[]).includes(kind))
		throw new InvalidFieldError('artifact kind', `${JSON.stringify(kind)} is not one of ${ARTIFACT_KINDS.join(', ')}`);
	return kind as ArtifactKind;
}

export function validateAlias(alias: unknown): string {
	if (typeof alias !== 'string' || !ALIAS_PATTERN.test(alias))
		throw new InvalidFieldError('alias', `${JSON.stringify(alias)} is not allowed; use a lowercase word such as "production" or "candidate"`);
	if (alias === 'latest') throw new InvalidFieldError('alias', '"latest" always follows the newest version and cannot be moved by hand');
	if (/^v\d+$/.test(alias)) throw new InvalidFieldError('alias', `"${alias}" looks like a version number; pick a word`);
	return alias;
}

export function validateSha256(hex: unknown, field = 'sha256'): string {
	if (typeof hex !== 'string' || !SHA256_PATTERN.test(hex.toLowerCase()))
		throw new InvalidFieldError(field, 'expected 64 hexadecimal characters, as printed by sha256sum');
	return hex.toLowerCase();
}

/**
 * File paths inside a version: relative, forward slashes, no `.`/`..` segments,
 * no empty segments, no control characters — safe to write into an export.
 */
export function validateFilePath(path: unknown): string {
	if (typeof path !== 'string' || path.length === 0 || path.length > 500)
		throw new InvalidFieldError('file path', 'expected a relative path of 1–500 characters, e.g. "model/weights.onnx"');
	if (path.startsWith('/') || path.includes('\\') || /\p{Cc}/u.test(path))
		throw new InvalidFieldError('file path', `"${path}" must be relative, use forward slashes and no control characters`);
	for (const segment of path.split('/')) {
		if (segment === '' || segment === '.' || segment === '..')
			throw new InvalidFieldError('file path', `"${path}" has an empty, "." or ".." segment`);
	}
	if (path === 'SHA256SUMS') throw new InvalidFieldError('file path', '"SHA256SUMS" is reserved for exports');
	return path;
}

export function validateMetadata(metadata: unknown): Record<string, string | number | boolean | null> {
	if (metadata === undefined) return {};
	if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
		throw new InvalidFieldError('metadata', 'pass an object of strings, numbers, booleans or null');
	const out: Record<string, string | number | boolean | null> = {};
	for (const key of Object.getOwnPropertyNames(metadata)) {
		validateKey(key, 'metadata key');
		const v = (metadata as Record<string, unknown>)[key];
		if (!(v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))))
			throw new InvalidFieldError(`metadata.${key}`, 'expected a string, finite number, boolean or null');
		out[key] = v as string | number | boolean | null;
	}
	return out;
}

export function versionId(projectId: string, name: string, version: number): string {
	return `${projectId}/${name}/v${version}`;
}

export function artifactId(projectId: string, name: string): string {
	return `${projectId}/${name}`;
}

/** The canonical text whose SHA-256 is a version's content digest. */
export function contentManifest(files: readonly ArtifactFile[]): string {
	return files
		.map((f) => `${isExternal(f) ? `external:${f.sha256 ?? f.uri}` : f.sha256}  ${f.path}`)
		.sort()
		.join('\n');
}

/** `sha256sum -c` format: "<hex>  <path>" per line, trailing newline. */
export function sha256sums(files: readonly ArtifactFile[]): string {
	return files
		.filter((f): f is StoredFile => !isExternal(f))
		.map((f) => `${f.sha256}  ${f.path}\n`)
		.join('');
}

/** Resolves `v3`, `3`, `latest` or a custom alias to a version number; null when unknown. */
export function resolveVersionRef(artifact: ArtifactRecord, ref: string | number): number | null {
	if (typeof ref === 'number') return Number.isInteger(ref) && ref >= 1 && ref <= artifact.latestVersion ? ref : null;
	if (ref === 'latest') return artifact.latestVersion || null;
	const m = /^v?(\d+)$/.exec(ref);
	if (m) return resolveVersionRef(artifact, Number(m[1]));
	return Object.prototype.hasOwnProperty.call(artifact.aliases, ref) ? (artifact.aliases[ref] ?? null) : null;
}

/** Splits a byte length into chunk lengths: [] for 0 bytes, full chunks then the remainder. */
export function chunkLengths(size: number, chunkBytes = ARTIFACT_CHUNK_BYTES): number[] {
	const out: number[] = [];
	for (let at = 0; at < size; at += chunkBytes) out.push(Math.min(chunkBytes, size - at));
	return out;
}

/** The SHA-256 of zero bytes, which `sha256sum /dev/null` prints. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Guesses a model file's format from its first bytes (for the metadata preview). */
export function guessFormat(head: Uint8Array, path: string): string {
	const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
	if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04)
		return /\.(pt|pth)$/i.test(path) ? 'PyTorch (zip archive)' : 'zip archive';
	if (head[0] === 0x80 && head[1] !== undefined && head[1] >= 2 && head[1] <= 5) return `Python pickle (protocol ${head[1]})`;
	if (ascii(0, 8) === '\x89HDF\r\n\x1a\n') return 'HDF5 (e.g. Keras .h5)';
	if (ascii(0, 6) === '\x93NUMPY') return 'NumPy array (.npy)';
	if (ascii(0, 4) === 'GGUF') return 'GGUF';
	if (ascii(0, 4) === 'PAR1') return 'Parquet';
	if (head.length >= 8 && /\.safetensors$/i.test(path)) return 'safetensors';
	if (/\.onnx$/i.test(path) && head[0] === 0x08) return 'ONNX (protobuf)';
	if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
	if (ascii(0, 4) === '\x89PNG') return 'PNG image';
	if (head[0] === 0xff && head[1] === 0xd8) return 'JPEG image';
	return 'unknown binary';
}

const MEDIA_TYPES: Record<string, string> = {
	png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', svg: 'image/svg+xml',
	txt: 'text/plain', log: 'text/plain', md: 'text/markdown', markdown: 'text/markdown', json: 'application/json',
	yaml: 'application/yaml', yml: 'application/yaml', csv: 'text/csv', tsv: 'text/tab-separated-values', html: 'text/html',
	onnx: 'application/onnx', pt: 'application/octet-stream', pth: 'application/octet-stream', pkl: 'application/octet-stream',
	parquet: 'application/vnd.apache.parquet'
};

/** A media type from the file name, for previews and downloads; the caller's own type wins when given. */
export function mediaTypeFor(path: string, given?: string): string {
	if (given) return given;
	const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase() ?? '';
	return MEDIA_TYPES[ext] ?? 'application/octet-stream';
}
