/**
 * Files a user dropped or picked, with their paths relative to what was chosen:
 * a dropped folder is walked (DataTransferItem.webkitGetAsEntry) and a folder
 * picked with <input webkitdirectory> carries File.webkitRelativePath. When every
 * file sits under one top-level folder, that folder becomes the suggested
 * artifact name and is stripped from the paths ("model/w.onnx" → "w.onnx").
 */
import type { ArtifactKind } from '$lib/core/artifacts';

export interface PickedFile {
	path: string;
	file: File;
}

export interface PickedSet {
	files: PickedFile[];
	/** The single top-level folder everything came from, if any. */
	folder: string | null;
}

/**
 * Reads a drop. Entries must be taken synchronously inside the event handler
 * (the DataTransfer is emptied once it returns), so call this before any await.
 */
export function readDrop(dataTransfer: DataTransfer): Promise<PickedFile[]> {
	const entries: FileSystemEntry[] = [];
	const loose: File[] = [];
	for (const item of Array.from(dataTransfer.items ?? [])) {
		if (item.kind !== 'file') continue;
		const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
		if (entry) entries.push(entry);
		else {
			// Script-made DataTransfers (and some browsers) have no entries: plain files only.
			const file = item.getAsFile();
			if (file) loose.push(file);
		}
	}
	if (entries.length === 0 && loose.length === 0) loose.push(...Array.from(dataTransfer.files ?? []));
	return (async () => {
		const out: PickedFile[] = loose.map((file) => ({ path: file.name, file }));
		for (const entry of entries) await walk(entry, out);
		return out;
	})();
}

async function walk(entry: FileSystemEntry, out: PickedFile[]): Promise<void> {
	const path = entry.fullPath.replace(/^\/+/, '') || entry.name;
	if (entry.isFile) {
		const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
		out.push({ path, file });
		return;
	}
	if (!entry.isDirectory) return;
	const reader = (entry as FileSystemDirectoryEntry).createReader();
	// readEntries hands out at most ~100 entries per call: read until it returns none.
	for (;;) {
		const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
		if (batch.length === 0) break;
		for (const child of batch) await walk(child, out);
	}
}

/** Files from <input type=file>; with webkitdirectory each has a relative path. */
export function readInput(list: FileList | null): PickedFile[] {
	return Array.from(list ?? []).map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/** Merges newly picked files into `current`; the same path again: the newer file wins. */
export function mergePicked(current: readonly PickedFile[], added: readonly PickedFile[]): PickedFile[] {
	const byPath = new Map<string, PickedFile>();
	for (const f of [...current, ...added]) byPath.set(f.path, f);
	return [...byPath.values()];
}

/** Strips the top-level folder every file shares, if there is one. */
export function stripTopFolder(files: readonly PickedFile[]): PickedSet {
	const tops = new Set(files.map((f) => (f.path.includes('/') ? f.path.slice(0, f.path.indexOf('/')) : null)));
	const [top] = tops;
	if (tops.size === 1 && top) {
		return { folder: top, files: files.map((f) => ({ path: f.path.slice(top.length + 1), file: f.file })) };
	}
	return { folder: null, files: [...files] };
}

/** An artifact name from a file or folder name: lowercase, extension dropped, only [a-z0-9._-]. */
export function suggestName(source: string): string {
	const base = source.replace(/\.[A-Za-z0-9]{1,16}$/, '');
	const slug = base
		.toLowerCase()
		.replace(/[^a-z0-9._-]+/g, '-')
		.replace(/^[^a-z0-9]+/, '')
		.replace(/-+$/, '')
		.slice(0, 100);
	return slug || 'artifact';
}

const KIND_BY_EXTENSION: Record<string, ArtifactKind> = {
	onnx: 'model', pt: 'model', pth: 'model', pkl: 'model', joblib: 'model', h5: 'model', keras: 'model',
	safetensors: 'model', gguf: 'model', bin: 'model', ckpt: 'model',
	png: 'plot', jpg: 'plot', jpeg: 'plot', webp: 'plot', svg: 'plot', gif: 'plot',
	md: 'report', html: 'report', pdf: 'report',
	yaml: 'config', yml: 'config', toml: 'config', ini: 'config', json: 'config',
	csv: 'dataset', tsv: 'dataset', parquet: 'dataset', arrow: 'dataset', npy: 'dataset', npz: 'dataset'
};

/** A first guess at the kind from the files' extensions (the user can change it). */
export function guessKind(files: readonly PickedFile[]): ArtifactKind {
	for (const f of files) {
		const ext = /\.([a-z0-9]+)$/i.exec(f.path)?.[1]?.toLowerCase();
		const kind = ext ? KIND_BY_EXTENSION[ext] : undefined;
		if (kind === 'model') return kind;
	}
	const first = files[0] && /\.([a-z0-9]+)$/i.exec(files[0].path)?.[1]?.toLowerCase();
	return (first && KIND_BY_EXTENSION[first]) || 'other';
}
