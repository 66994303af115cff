/**
 * Logging artifacts: ingest each file (chunks hashed and stored by a worker),
 * then commit the version in one transaction. Until the commit nothing is
 * visible; identical content to the newest version creates no new version.
 */
import {
	mediaTypeFor,
	validateArtifactName,
	validateFilePath,
	validateKind,
	validateMetadata,
	validateSha256,
	type ArtifactFile,
	type ArtifactKind,
	type ArtifactVersion,
	type ExternalFile
} from '$lib/core/artifacts';
import { InvalidFieldError, MissingChunksError } from '$lib/core/errors';
import type { ArtifactRepository } from '$lib/store/artifacts-repo';
import type { IngestResult } from '$lib/workers/ingest-core';
import type { Ingest, IngestProgress } from '$lib/workers/ingest-pool';

export type ArtifactData = Blob | ArrayBuffer | Uint8Array | string;

export interface ArtifactFileInput {
	path: string;
	data: ArtifactData;
}

export type { IngestProgress, IngestResult };

/** Stores a file's chunks (hashing them) and returns its manifest; the environment supplies it (worker pool or in-process). */
export type IngestFn = Ingest;

export interface LogArtifactOptions {
	kind: ArtifactKind;
	/** File path inside the version when `data` is a single file; defaults to the File's name or the artifact name. */
	path?: string;
	metadata?: Record<string, string | number | boolean | null>;
	/** Progress over all files of the version. */
	onProgress?: (p: IngestProgress & { file: string }) => void;
	signal?: AbortSignal;
}

export interface LoggedArtifact {
	version: ArtifactVersion;
	created: boolean;
	/** Bytes that were new to this device (the rest was already stored: dedup). */
	newBytes: number;
	/** A sentence for people: "Logged churn-model v3" or "Identical to churn-model v2: no new version". */
	message: string;
}

export interface DatasetRefInput {
	uri: string;
	version?: string;
	sha256?: string;
	size?: number;
	path?: string;
	metadata?: Record<string, string | number | boolean | null>;
}

export interface ArtifactContext {
	artifacts: ArtifactRepository;
	ingest: IngestFn;
	projectId: string;
	runId: string | null;
	author: string;
	now: () => number;
}

function toSource(data: ArtifactData): Blob | ArrayBuffer | Uint8Array {
	if (data instanceof Blob) return data;
	// No type: the path's extension decides (a string may be JSON, YAML, Markdown…).
	if (typeof data === 'string') return new Blob([data]);
	// Not copied: the ingest reads it a range at a time and leaves it as it is (see IngestPool.ingest).
	if (data instanceof ArrayBuffer || data instanceof Uint8Array) return data;
	throw new InvalidFieldError('artifact data', 'pass a File, Blob, ArrayBuffer, Uint8Array or string');
}

function normalizeFiles(name: string, data: ArtifactData | ArtifactFileInput[], options: LogArtifactOptions): { path: string; source: Blob | ArrayBuffer | Uint8Array; type?: string }[] {
	if (Array.isArray(data)) {
		if (data.length === 0) throw new InvalidFieldError('artifact files', 'pass at least one { path, data }');
		return data.map((f) => {
			if (typeof f !== 'object' || f === null) throw new InvalidFieldError('artifact files', 'each entry is { path, data }');
			const source = toSource(f.data);
			return { path: validateFilePath(f.path), source, type: source instanceof Blob ? source.type : undefined };
		});
	}
	const source = toSource(data);
	const fileName = typeof File !== 'undefined' && data instanceof File ? data.name : undefined;
	return [{ path: validateFilePath(options.path ?? fileName ?? name), source, type: source instanceof Blob ? source.type : undefined }];
}

export async function logArtifact(ctx: ArtifactContext, name: string, data: ArtifactData | ArtifactFileInput[], options: LogArtifactOptions): Promise<LoggedArtifact> {
	// Validate the whole call before any bytes are hashed or stored.
	validateArtifactName(name);
	if (typeof options !== 'object' || options === null) throw new InvalidFieldError('options', 'pass { kind, path?, metadata? }');
	const kind = validateKind(options.kind);
	const metadata = validateMetadata(options.metadata);
	const inputs = normalizeFiles(name, data, options);
	const paths = new Set(inputs.map((f) => f.path));
	if (paths.size !== inputs.length) throw new InvalidFieldError('artifact files', 'two files share a path');

	const total = inputs.reduce((n, f) => n + (f.source instanceof Blob ? f.source.size : f.source.byteLength), 0);
	let newBytes = 0;
	// Two attempts: if the garbage collector swept an old unreferenced chunk that the
	// ingest found already stored, the commit reports it missing; ingesting again writes it.
	for (let attempt = 1; ; attempt++) {
		const ingested = await ingestAll(ctx, inputs, total, options);
		newBytes += ingested.newBytes;
		options.signal?.throwIfAborted();
		try {
			const { version, created } = await ctx.artifacts.commitVersion({
				projectId: ctx.projectId,
				name,
				kind,
				files: ingested.files,
				metadata,
				producingRunId: ctx.runId,
				createdBy: ctx.author,
				now: ctx.now()
			});
			return {
				version,
				created,
				newBytes,
				message: created ? `Logged ${name} v${version.version}` : `Identical to ${name} v${version.version}: no new version was created`
			};
		} catch (error) {
			if (!(error instanceof MissingChunksError) || attempt >= 2) throw error;
		}
	}
}

async function ingestAll(
	ctx: ArtifactContext,
	inputs: { path: string; source: Blob | ArrayBuffer | Uint8Array; type?: string }[],
	total: number,
	options: LogArtifactOptions
): Promise<{ files: ArtifactFile[]; newBytes: number }> {
	let before = 0;
	let newBytes = 0;
	const files: ArtifactFile[] = [];
	for (const input of inputs) {
		const result = await ctx.ingest(input.source, {
			label: input.path,
			signal: options.signal,
			onProgress: (p) => options.onProgress?.({ ...p, bytesDone: before + p.bytesDone, bytesTotal: total, file: input.path })
		});
		before += result.size;
		newBytes += result.newBytes;
		files.push({ path: input.path, size: result.size, sha256: result.sha256, chunks: result.chunks, mediaType: mediaTypeFor(input.path, input.type) });
	}
	return { files, newBytes };
}
/** A dataset known by reference (no bytes): URI, version, expected SHA-256 and size, verifiable later. */
export async function logDatasetRef(ctx: ArtifactContext, name: string, input: DatasetRefInput): Promise<LoggedArtifact> {
	validateArtifactName(name);
	if (typeof input !== 'object' || input === null || typeof input.uri !== 'string' || input.uri.trim() === '')
		throw new InvalidFieldError('dataset reference', 'pass { uri, version?, sha256?, size? } with a non-empty uri');
	if (input.size !== undefined && !(Number.isInteger(input.size) && input.size >= 0))
		throw new InvalidFieldError('dataset size', 'expected a whole number of bytes');
	const file: ExternalFile = {
		path: validateFilePath(input.path ?? (input.uri.split('/').pop() || name)),
		uri: input.uri,
		size: input.size ?? null,
		sha256: input.sha256 === undefined ? null : validateSha256(input.sha256),
		version: input.version ?? null,
		external: true
	};
	const { version, created } = await ctx.artifacts.commitVersion({
		projectId: ctx.projectId,
		name,
		kind: 'dataset',
		files: [file],
		metadata: validateMetadata(input.metadata),
		producingRunId: ctx.runId,
		createdBy: ctx.author,
		now: ctx.now()
	});
	return { version, created, newBytes: 0, message: created ? `Logged dataset reference ${name} v${version.version}` : `Identical to ${name} v${version.version}: no new version was created` };
}
