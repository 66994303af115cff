/**
 * Downloads and exports of artifact bytes. Every chunk is verified before a
 * download starts (a ChunkCorruptedError rejects and nothing is saved), and the
 * downloaded Blob is composed of the stored chunk Blobs, which the browser keeps
 * on disk: a multi-GiB download needs no second copy of the file in memory.
 */
import { isExternal, sha256sums, type ArtifactFile, type ArtifactVersion, type StoredFile } from '$lib/core/artifacts';
import { InvalidFieldError } from '$lib/core/errors';
import { tarParts, tarSize, type TarEntry } from '$lib/core/tar';
import type { Cairn } from '$lib/sdk/cairn';

export interface DownloadProgress {
	bytesDone: number;
	bytesTotal: number;
}

/**
 * How long an object URL stays valid after the click. Chrome resolves a blob:
 * URL when the download starts, but some browsers read it lazily; a minute is
 * plenty and the Blob (disk-backed chunks) is cheap to keep that long.
 */
const REVOKE_AFTER_MS = 60_000;

/** The last path segment: what the user's file system gets as the file name. */
export function downloadName(path: string): string {
	return path.slice(path.lastIndexOf('/') + 1) || path;
}

/** The export's file name: `<name>-v<version>.tar`. */
export function exportName(version: ArtifactVersion): string {
	return `${version.name}-v${version.version}.tar`;
}

/** Hands `blob` to the browser as a download named `name`, then revokes the URL later. */
export function saveBlob(blob: Blob, name: string): void {
	const url = URL.createObjectURL(blob);
	const a = document.createElement('a');
	a.href = url;
	a.download = name;
	a.rel = 'noopener';
	a.style.display = 'none';
	document.body.append(a);
	try {
		a.click();
	} finally {
		a.remove();
		setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
	}
}

function storedOrThrow(file: ArtifactFile): StoredFile {
	if (isExternal(file))
		throw new InvalidFieldError(`file "${file.path}"`, `it is a dataset reference (${file.uri}); Cairn stores no bytes for it, so fetch it from its source`);
	return file;
}

/** Verifies every chunk of `file`, then downloads it under its original file name. */
export async function downloadFile(cairn: Cairn, version: ArtifactVersion, file: ArtifactFile, onProgress?: (p: DownloadProgress) => void): Promise<void> {
	const stored = storedOrThrow(file);
	const blob = await cairn.bytes.verifiedBlob(version, stored, (bytesDone) => onProgress?.({ bytesDone, bytesTotal: stored.size }));
	saveBlob(blob, downloadName(stored.path));
}

/**
 * The version as one POSIX tar: every stored file at its path plus `SHA256SUMS`, so
 * `tar -xf <name>-v<n>.tar && sha256sum -c SHA256SUMS` passes. Every file is
 * verified first; the archive is a Blob of 512-byte headers, the verified
 * (disk-backed) file Blobs and padding, never one buffer of the whole export.
 * Dataset references have no bytes and are left out (SHA256SUMS omits them too).
 */
export async function buildExport(cairn: Cairn, version: ArtifactVersion, onProgress?: (p: DownloadProgress) => void): Promise<Blob> {
	const files = version.files.filter((f): f is StoredFile => !isExternal(f));
	const bytesTotal = files.reduce((n, f) => n + f.size, 0);
	const mtimeMs = version.createdAt;
	const entries: TarEntry<Blob>[] = [];
	let before = 0;
	for (const file of files) {
		const blob = await cairn.bytes.verifiedBlob(version, file, (done) => onProgress?.({ bytesDone: before + done, bytesTotal }));
		if (blob.size !== file.size) throw new Error(`"${file.path}" read back ${blob.size} bytes; its manifest says ${file.size}`);
		before += file.size;
		entries.push({ path: file.path, size: file.size, mtimeMs, body: blob });
	}
	const sums = new Blob([sha256sums(files)], { type: 'text/plain' });
	entries.push({ path: 'SHA256SUMS', size: sums.size, mtimeMs, body: sums });
	const tar = new Blob(tarParts(entries), { type: 'application/x-tar' });
	if (tar.size !== tarSize(entries)) throw new Error(`the export came to ${tar.size} bytes instead of ${tarSize(entries)}`);
	return tar;
}

/** Builds the export (verifying every chunk) and downloads it as `<name>-v<version>.tar`. */
export async function exportVersion(cairn: Cairn, version: ArtifactVersion, onProgress?: (p: DownloadProgress) => void): Promise<void> {
	saveBlob(await buildExport(cairn, version, onProgress), exportName(version));
}
