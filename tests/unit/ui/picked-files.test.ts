/**
 * What a drop or a pick becomes before upload (ui/artifacts/picked-files.ts):
 * folders walked to relative paths (readEntries batches included), the shared
 * top folder as the suggested name, a first guess at the kind.
 */
import { describe, expect, it } from 'vitest';
import { guessKind, mergePicked, readDrop, readInput, stripTopFolder, suggestName, type PickedFile } from '$lib/ui/artifacts/picked-files';

/** A FileSystemEntry tree as Chromium hands it out; directories answer readEntries in batches of `batch`. */
function fileEntry(fullPath: string, body = fullPath): FileSystemFileEntry {
	const name = fullPath.slice(fullPath.lastIndexOf('/') + 1);
	return {
		isFile: true,
		isDirectory: false,
		name,
		fullPath,
		file: (resolve: (f: File) => void) => resolve(new File([body], name))
	} as unknown as FileSystemFileEntry;
}

function dirEntry(fullPath: string, children: FileSystemEntry[], batch = 100): FileSystemDirectoryEntry {
	return {
		isFile: false,
		isDirectory: true,
		name: fullPath.slice(fullPath.lastIndexOf('/') + 1),
		fullPath,
		createReader() {
			let at = 0;
			return {
				readEntries(resolve: (entries: FileSystemEntry[]) => void) {
					const next = children.slice(at, at + batch);
					at += next.length;
					setTimeout(() => resolve(next), 0);
				}
			};
		}
	} as unknown as FileSystemDirectoryEntry;
}

function transferOf(items: { entry: FileSystemEntry | null; file?: File }[]): DataTransfer {
	return {
		items: items.map(({ entry, file }) => ({ kind: 'file', webkitGetAsEntry: () => entry, getAsFile: () => file ?? null })),
		files: []
	} as unknown as DataTransfer;
}

const paths = (files: readonly PickedFile[]) => files.map((f) => f.path).sort();

describe('readDrop', () => {
	it('walks a dropped folder to relative paths, past readEntries batches', async () => {
		const shards = Array.from({ length: 250 }, (_, i) => fileEntry(`/model/shards/part-${String(i).padStart(3, '0')}.bin`));
		const drop = transferOf([
			{
				entry: dirEntry('/model', [fileEntry('/model/config.json', '{"layers":2}'), dirEntry('/model/shards', shards), dirEntry('/model/empty', [])])
			}
		]);
		const files = await readDrop(drop);
		expect(files).toHaveLength(251);
		expect(paths(files)).toContain('model/config.json');
		expect(paths(files)).toContain('model/shards/part-249.bin');
		const config = files.find((f) => f.path === 'model/config.json');
		expect(await config?.file.text()).toBe('{"layers":2}');
	});

	it('takes loose files and entries together, and plain files when a drop has no entries', async () => {
		const loose = new File(['x'], 'notes.md');
		expect(paths(await readDrop(transferOf([{ entry: fileEntry('/a.onnx') }, { entry: null, file: loose }])))).toEqual(['a.onnx', 'notes.md']);
		const scripted = { items: [], files: [new File(['y'], 'b.csv')] } as unknown as DataTransfer;
		expect(paths(await readDrop(scripted))).toEqual(['b.csv']);
	});
});

describe('picked files', () => {
	it('keeps the relative paths a folder picker gives, and a file name otherwise', () => {
		const inFolder = new File(['w'], 'w.onnx');
		Object.defineProperty(inFolder, 'webkitRelativePath', { value: 'export/w.onnx' });
		const list = [inFolder, new File(['c'], 'c.json')] as unknown as FileList;
		expect(paths(readInput(list))).toEqual(['c.json', 'export/w.onnx']);
		expect(readInput(null)).toEqual([]);
	});

	it('strips the one top folder all files share and suggests it as the name', () => {
		const f = new File([''], 'x');
		const set = stripTopFolder([
			{ path: 'ResNet 50/weights.pt', file: f },
			{ path: 'ResNet 50/sub/labels.txt', file: f }
		]);
		expect(set.folder).toBe('ResNet 50');
		expect(paths(set.files)).toEqual(['sub/labels.txt', 'weights.pt']);
		expect(suggestName(set.folder ?? '')).toBe('resnet-50');
		// Files from two places keep their paths.
		expect(stripTopFolder([{ path: 'a/x', file: f }, { path: 'y', file: f }]).folder).toBeNull();
	});

	it('lets a file picked again under the same path replace the earlier one', () => {
		const older = new File(['1'], 'a');
		const newer = new File(['2'], 'a');
		const merged = mergePicked([{ path: 'a', file: older }], [{ path: 'a', file: newer }, { path: 'b', file: older }]);
		expect(merged.map((m) => [m.path, m.file])).toEqual([
			['a', newer],
			['b', older]
		]);
	});

	it('names and kinds from file names', () => {
		expect(suggestName('Churn Model.onnx')).toBe('churn-model');
		expect(suggestName('___.pkl')).toBe('artifact');
		const f = new File([''], 'x');
		expect(guessKind([{ path: 'README.md', file: f }, { path: 'model.safetensors', file: f }])).toBe('model');
		expect(guessKind([{ path: 'eval/report.md', file: f }])).toBe('report');
		expect(guessKind([{ path: 'thresholds.yaml', file: f }])).toBe('config');
		expect(guessKind([{ path: 'blob', file: f }])).toBe('other');
	});
});
