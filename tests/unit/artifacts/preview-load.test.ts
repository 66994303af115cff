/**
 * What previews read, against a real ArtifactBytes on fake-indexeddb (chunks
 * written directly, no ingest worker): the kind chosen per file, CSV reading that
 * stops at 1,000 rows without touching later chunks, text truncation, confusion
 * matrices recognised by content, formats sniffed from the first bytes, and a
 * corrupted chunk rejecting with ChunkCorruptedError.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ARTIFACT_CHUNK_BYTES, type ArtifactVersion, type StoredFile } from '$lib/core/artifacts';
import { ChunkCorruptedError } from '$lib/core/errors';
import { sha256Hex } from '$lib/core/hash';
import { ArtifactBytes } from '$lib/store/artifact-bytes';
import { openDb, type CairnDb } from '$lib/store/db';
import { CSV_PREVIEW_ROWS, loadPreview, looksLikeText, previewKind, TEXT_PREVIEW_BYTES, type Preview } from '$lib/ui/previews/preview-load';

const dbs: CairnDb[] = [];
afterEach(() => {
	for (const db of dbs.splice(0)) db.close();
});

let counter = 0;
async function setup() {
	const db = openDb(`preview-test-${process.pid}-${++counter}`);
	await db.open();
	dbs.push(db);
	const bytes = new ArtifactBytes(db);
	/** Chunks read, by index, for "reads no more than it needs". */
	const reads: number[] = [];
	const chunk = bytes.chunk.bind(bytes);
	bytes.chunk = (version, file, index) => {
		reads.push(index);
		return chunk(version, file, index);
	};
	const version: ArtifactVersion = {
		id: 'p/a/v1', projectId: 'p', name: 'a', version: 1, kind: 'report', files: [], contentDigest: '', size: 0,
		metadata: {}, producingRunId: null, createdAt: 0, createdBy: 't', locked: null, key: 'p/a@'
	};
	async function store(path: string, data: Uint8Array<ArrayBuffer> | string, mediaType = 'application/octet-stream'): Promise<StoredFile> {
		const all = typeof data === 'string' ? new TextEncoder().encode(data) : data;
		const chunks: string[] = [];
		for (let at = 0; at < all.length; at += ARTIFACT_CHUNK_BYTES) {
			const part = all.slice(at, at + ARTIFACT_CHUNK_BYTES);
			const hash = await sha256Hex(part);
			chunks.push(hash);
			await db.blobChunks.put({ hash, size: part.length, data: new Blob([part]), writtenAt: 0 });
		}
		return { path, size: all.length, sha256: await sha256Hex(all), chunks, mediaType };
	}
	const load = (file: StoredFile) => loadPreview(bytes, version, file, new AbortController().signal);
	return { db, version, store, load, reads };
}

function expectKind<K extends Preview['kind']>(p: Preview, kind: K): Extract<Preview, { kind: K }> {
	expect(p.kind).toBe(kind);
	return p as Extract<Preview, { kind: K }>;
}

describe('file previews', () => {
	it('chooses a preview by media type and extension', () => {
		const kind = (path: string, mediaType = 'application/octet-stream') => previewKind({ path, mediaType });
		expect(kind('plots/loss.PNG')).toBe('image');
		expect(kind('x', 'image/webp')).toBe('image');
		expect(kind('d.svg')).toBe('svg');
		expect(kind('t.csv')).toBe('csv');
		expect(kind('t.tsv')).toBe('csv');
		expect(kind('r.md')).toBe('markdown');
		expect(kind('cm.json')).toBe('json');
		expect(kind('x', 'application/vnd.api+json')).toBe('json');
		expect(kind('c.yaml')).toBe('text');
		expect(kind('train.log')).toBe('text');
		expect(kind('x', 'text/plain')).toBe('text');
		expect(kind('model.onnx', 'application/onnx')).toBe('binary');
		expect(kind('weights.safetensors')).toBe('binary');
	});

	it('parses the first 1,000 CSV rows from the first chunk and reads no further', async () => {
		const { store, load, reads } = await setup();
		const lines = ['id,"name, quoted"'];
		// ~10 MiB: three chunks, of which the table needs only the first.
		for (let i = 0; lines.length < 400_000; i++) lines.push(`${i},"row ""${i}"""`);
		const file = await store('big.csv', lines.join('\n'), 'text/csv');
		expect(file.chunks.length).toBe(3);
		const p = expectKind(await load(file), 'csv');
		expect(p.header).toEqual(['id', 'name, quoted']);
		expect(p.rows).toHaveLength(CSV_PREVIEW_ROWS);
		expect(p.rows[999]).toEqual(['999', 'row "999"']);
		expect(p.complete).toBe(false);
		expect(p.bytesRead).toBe(ARTIFACT_CHUNK_BYTES);
		expect(reads).toEqual([0]);
	});

	it('says a short CSV is complete, TSV included', async () => {
		const { store, load } = await setup();
		const p = expectKind(await load(await store('t.tsv', 'a\tb\r\n1\t2\r\n3\t"x\ty"\r\n')), 'csv');
		expect(p).toMatchObject({ header: ['a', 'b'], rows: [['1', '2'], ['3', 'x\ty']], complete: true, columns: 2 });
		const exact = ['h', ...Array.from({ length: CSV_PREVIEW_ROWS }, (_, i) => String(i))].join('\n');
		expect(expectKind(await load(await store('e.csv', exact)), 'csv')).toMatchObject({ complete: true });
		const more = `${exact}\nextra`;
		expect(expectKind(await load(await store('m.csv', more)), 'csv')).toMatchObject({ complete: false });
	});

	it('shows the first 256 KiB of text and says how much there is', async () => {
		const { store, load } = await setup();
		const long = 'é'.repeat(200_000) + 'x'.repeat(200_000); // 600,000 bytes; 256 KiB is exactly 131,072 'é'
		const p = expectKind(await load(await store('train.log', long)), 'text');
		expect(p).toMatchObject({ shownBytes: TEXT_PREVIEW_BYTES, totalBytes: 600_000, truncated: true });
		expect(p.text).toBe(long.slice(0, 131_072));
		// A cut inside a multi-byte character drops it instead of showing U+FFFD.
		const odd = 'a' + 'é'.repeat(200_000);
		const q = expectKind(await load(await store('odd.txt', odd)), 'text');
		expect(q.text).not.toContain('\uFFFD');
		expect(q.text.length).toBe(1 + (TEXT_PREVIEW_BYTES - 1 - 1) / 2);
	});

	it('pretty-prints JSON and recognises a valid confusion matrix by its content', async () => {
		const { store, load } = await setup();
		const json = expectKind(await load(await store('params.json', '{"lr":0.1,"layers":[64,32]}')), 'json');
		expect(json.text).toBe(JSON.stringify({ lr: 0.1, layers: [64, 32] }, null, 2));
		const cm = expectKind(await load(await store('eval/cm.json', JSON.stringify({ labels: ['a', 'b'], matrix: [[3, 1], [0, 4]] }))), 'confusion');
		expect(cm.matrix).toEqual({ labels: ['a', 'b'], matrix: [[3, 1], [0, 4]] });
		const bad = expectKind(await load(await store('bad-cm.json', JSON.stringify({ labels: ['a', 'b'], matrix: [[3, 1]] }))), 'json');
		expect(bad.parseError).toMatch(/not drawn as a confusion matrix: .*expected 2 rows/);
		const broken = expectKind(await load(await store('broken.json', '{"a": ')), 'json');
		expect(broken.parseError).toBeTruthy();
		expect(broken.text).toBe('{"a": ');
	});

	it('describes model files by their first bytes and shows text-like unknown files as text', async () => {
		const { store, load, reads } = await setup();
		const zip = new Uint8Array(ARTIFACT_CHUNK_BYTES + 10);
		zip.set([0x50, 0x4b, 0x03, 0x04]);
		expect(expectKind(await load(await store('model.pt', zip)), 'binary')).toMatchObject({ format: 'PyTorch (zip archive)', text: null, image: null });
		expect(reads).toEqual([0]);
		const pickle = Uint8Array.from([0x80, 0x04, 0x95, 0, 0, 0]);
		expect(expectKind(await load(await store('pipe.pkl', pickle)), 'binary').format).toBe('Python pickle (protocol 4)');
		const notes = expectKind(await load(await store('NOTES', 'plain words\n')), 'binary');
		expect(notes.text?.text).toBe('plain words\n');
		expect(expectKind(await load(await store('empty.bin', new Uint8Array(0))), 'binary').format).toBe('empty file');
		expect(looksLikeText(Uint8Array.from([0x61, 0, 0x62]))).toBe(false);
		expect(looksLikeText(Uint8Array.from([0xff, 0xfe]))).toBe(false);
		expect(looksLikeText(new TextEncoder().encode('é').subarray(0, 1))).toBe(true);
	});

	it('rejects with ChunkCorruptedError naming the file and chunk when a read chunk is bad', async () => {
		const { db, store, load } = await setup();
		const file = await store('metrics.csv', 'a,b\n1,2\n');
		const hash = file.chunks[0] as string;
		const row = (await db.blobChunks.get(hash))!;
		const bad = new Uint8Array(await row.data.arrayBuffer());
		bad[2]! ^= 1;
		await db.blobChunks.put({ ...row, data: new Blob([bad]) });
		const error = await load(file).then(() => null, (e: unknown) => e);
		expect(error).toBeInstanceOf(ChunkCorruptedError);
		expect((error as ChunkCorruptedError).message).toMatch(/Chunk 0 of "metrics\.csv" in p\/a\/v1 is corrupted/);
	});
});
