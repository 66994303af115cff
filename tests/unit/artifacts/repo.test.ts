import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ChunkCorruptedError, ConflictError, InvalidFieldError, LockedError, MissingChunksError, NotFoundError } from '$lib/core/errors';
import { isExternal, type StoredFile } from '$lib/core/artifacts';
import type { Cairn } from '$lib/sdk/cairn';
import { dumpStore, openTestCairn } from '../helpers';

const open: Cairn[] = [];
async function setup() {
	const t = await openTestCairn();
	open.push(t.cairn);
	return t;
}
afterEach(() => {
	for (const c of open.splice(0)) c.close();
});

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
function bytesOf(n: number, seed = 1): Uint8Array {
	const out = new Uint8Array(n);
	let x = seed;
	for (let i = 0; i < n; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
	return out;
}
const MiB = 1024 * 1024;

describe('logging artifacts through a run', () => {
	it('stores a version whose SHA-256 is what sha256sum prints, and dedups identical bytes', async () => {
		const { cairn } = await setup();
		const run = await cairn.startRun({ project: 'p' });
		const data = bytesOf(9 * MiB + 123);
		const first = await run.logArtifact('churn-model', data, { kind: 'model', path: 'model.onnx' });
		expect(first.created).toBe(true);
		expect(first.version).toMatchObject({ id: 'p/churn-model/v1', version: 1, kind: 'model', producingRunId: run.id, size: data.length });
		const file = first.version.files[0] as StoredFile;
		expect(file.sha256).toBe(sha(data));
		expect(file.chunks).toHaveLength(3);
		expect(file.chunks[0]).toBe(sha(data.subarray(0, 4 * MiB)));
		expect(first.newBytes).toBe(data.length);

		const again = await run.logArtifact('churn-model', data.slice(), { kind: 'model', path: 'model.onnx' });
		expect(again.created).toBe(false);
		expect(again.version.id).toBe('p/churn-model/v1');
		expect(again.message).toMatch(/no new version/);
		expect(again.newBytes).toBe(0);

		const changed = data.slice();
		changed[changed.length - 1] = changed[changed.length - 1]! ^ 1;
		const second = await run.logArtifact('churn-model', changed, { kind: 'model', path: 'model.onnx' });
		expect(second.version.version).toBe(2);
		// Only the last chunk differs: two chunks are shared with v1.
		expect(second.newBytes).toBe(changed.length - 8 * MiB);
		const report = await cairn.artifacts.storageReport();
		expect(report.logicalBytes).toBe(2 * data.length);
		expect(report.savedBytes).toBe(8 * MiB);
		expect((await cairn.artifacts.getArtifact('p', 'churn-model'))?.latestVersion).toBe(2);
		await run.finish();
	});

	it('keeps several files per version with their paths and reads each back verified', async () => {
		const { cairn } = await setup();
		const run = await cairn.startRun({ project: 'p' });
		const { version } = await run.logArtifact(
			'bundle',
			[
				{ path: 'model/weights.bin', data: bytesOf(5000) },
				{ path: 'model/config.json', data: '{"layers": 3}' },
				{ path: 'empty.txt', data: new Uint8Array(0) }
			],
			{ kind: 'model', metadata: { framework: 'torch' } }
		);
		expect(version.files.map((f) => f.path)).toEqual(['model/weights.bin', 'model/config.json', 'empty.txt']);
		const config = version.files[1] as StoredFile;
		expect(config.sha256).toBe(sha('{"layers": 3}'));
		expect(config.mediaType).toBe('application/json');
		expect(new TextDecoder().decode(await cairn.bytes.head(version, config, 100))).toBe('{"layers": 3}');
		const empty = version.files[2] as StoredFile;
		expect(empty).toMatchObject({ size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', chunks: [] });
		const blob = await cairn.bytes.verifiedBlob(version, version.files[0] as StoredFile);
		expect(sha(new Uint8Array(await blob.arrayBuffer()))).toBe(sha(bytesOf(5000)));
		await run.finish();
	});

	it('rejects bad calls with named errors and leaves the store unchanged', async () => {
		const { cairn } = await setup();
		const run = await cairn.startRun({ project: 'p' });
		const before = await dumpStore(cairn);
		await expect(run.logArtifact('Bad Name', 'x', { kind: 'model' })).rejects.toThrow(/artifact name/);
		await expect(run.logArtifact('ok', 'x', { kind: 'weights' as never })).rejects.toThrow(/artifact kind/);
		await expect(run.logArtifact('ok', [{ path: '../etc/passwd', data: 'x' }], { kind: 'other' })).rejects.toThrow(InvalidFieldError);
		await expect(run.logArtifact('ok', [{ path: 'a', data: 'x' }, { path: 'a', data: 'y' }], { kind: 'other' })).rejects.toThrow(/share a path/);
		await expect(run.logArtifact('ok', 42 as never, { kind: 'other' })).rejects.toThrow(/File, Blob/);
		await expect(run.logDatasetRef('ds', { uri: 's3://x', sha256: 'nothex' })).rejects.toThrow(/64 hexadecimal/);
		expect(await dumpStore(cairn)).toEqual(before);
		await run.finish();
	});

	it('never shows a version whose chunks are not all stored', async () => {
		const { cairn, clock } = await setup();
		await expect(
			cairn.artifacts.commitVersion({
				projectId: 'p', name: 'partial', kind: 'model', producingRunId: null, createdBy: 't', now: clock.now,
				files: [{ path: 'm.bin', size: 10, sha256: 'a'.repeat(64), chunks: ['b'.repeat(64)], mediaType: 'application/octet-stream' }]
			})
		).rejects.toThrow(ConflictError);
		expect(await cairn.artifacts.listArtifacts('p')).toEqual([]);
	});
});

describe('aliases, locks and deletion', () => {
	async function twoVersions() {
		const t = await setup();
		const run = await t.cairn.startRun({ project: 'p' });
		await run.logArtifact('m', bytesOf(1000, 1), { kind: 'model' });
		await run.logArtifact('m', bytesOf(1000, 2), { kind: 'model' });
		return { ...t, run, actor: { by: 'ana', now: t.clock.now } };
	}

	it('resolves versions by number, latest and alias, and records every alias move', async () => {
		const { cairn, actor } = await twoVersions();
		await cairn.artifacts.setAlias('p', 'm', 'production', 1, { ...actor, reason: 'passed eval' });
		await cairn.artifacts.setAlias('p', 'm', 'production', 2, actor);
		expect((await cairn.artifacts.resolve('p', 'm', 'production')).version).toBe(2);
		expect((await cairn.artifacts.resolve('p', 'm', 'v1')).version).toBe(1);
		expect((await cairn.artifacts.resolve('p', 'm')).version).toBe(2);
		await expect(cairn.artifacts.resolve('p', 'm', 'staging')).rejects.toThrow(/aliases latest, production/);
		const history = (await cairn.artifacts.getArtifact('p', 'm'))?.aliasHistory.filter((h) => h.alias === 'production');
		expect(history?.map((h) => [h.from, h.to, h.reason])).toEqual([[null, 1, 'passed eval'], [1, 2, '']]);
		await expect(cairn.artifacts.setAlias('p', 'm', 'latest', 1, actor)).rejects.toThrow(/latest/);
	});

	it('a locked version cannot be deleted or lose its alias until unlocked with a reason', async () => {
		const { cairn, actor } = await twoVersions();
		await cairn.artifacts.setAlias('p', 'm', 'production', 1, actor);
		await cairn.artifacts.lock('p/m/v1', { ...actor, reason: 'approved' });
		await expect(cairn.artifacts.deleteVersion('p/m/v1', actor)).rejects.toThrow(LockedError);
		await expect(cairn.artifacts.setAlias('p', 'm', 'production', 2, actor)).rejects.toThrow(LockedError);
		await expect(cairn.artifacts.removeAlias('p', 'm', 'production', actor)).rejects.toThrow(LockedError);
		await expect(cairn.artifacts.unlock('p/m/v1', { ...actor, reason: '' })).rejects.toThrow(/reason/);
		await cairn.artifacts.unlock('p/m/v1', { ...actor, reason: 'rollback drill' });
		await cairn.artifacts.setAlias('p', 'm', 'production', 2, actor);
		await expect(cairn.artifacts.deleteVersion('p/m/v2', actor)).rejects.toThrow(/Aliases "production"/);
		const freed = await cairn.artifacts.deleteVersion('p/m/v1', actor);
		expect(freed.freedBytes).toBe(1000);
		expect(await cairn.artifacts.getVersion('p/m/v1')).toBeUndefined();
	});

	it('records lineage both ways', async () => {
		const { cairn } = await twoVersions();
		const consumer = await cairn.startRun({ project: 'p' });
		const used = await consumer.useArtifact('m', 'v1');
		expect(used.id).toBe('p/m/v1');
		expect((await cairn.artifacts.usesOfVersion('p/m/v1')).map((u) => u.runId)).toEqual([consumer.id]);
		expect((await cairn.artifacts.inputsOfRun(consumer.id)).map((u) => u.versionId)).toEqual(['p/m/v1']);
		await expect(consumer.useArtifact('nope')).rejects.toThrow(NotFoundError);
		await consumer.finish();
	});

	it('logs dataset references without bytes', async () => {
		const { cairn } = await setup();
		const run = await cairn.startRun({ project: 'p' });
		const digest = sha('rows');
		const { version } = await run.logDatasetRef('churn-features', { uri: 's3://lake/churn/2026-11.parquet', version: '2026-11', sha256: digest.toUpperCase(), size: 4 });
		const file = version.files[0]!;
		expect(isExternal(file) && file).toMatchObject({ uri: 's3://lake/churn/2026-11.parquet', sha256: digest, size: 4, path: '2026-11.parquet' });
		expect(version).toMatchObject({ kind: 'dataset', size: 0 });
		await run.finish();
	});
});

describe('integrity', () => {
	it('detects a flipped byte, names the file and chunk, and never serves the bad bytes', async () => {
		const { cairn } = await setup();
		const run = await cairn.startRun({ project: 'p' });
		const data = bytesOf(4 * MiB + 10);
		const { version } = await run.logArtifact('m', data, { kind: 'model', path: 'w.bin' });
		const file = version.files[0] as StoredFile;
		const row = await cairn.db.blobChunks.get(file.chunks[1]!);
		const bad = new Uint8Array(await row!.data.arrayBuffer());
		bad[3] = bad[3]! ^ 0xff;
		await cairn.db.blobChunks.put({ ...row!, data: new Blob([bad]) });

		const problems = await cairn.bytes.verifyVersion(version);
		expect(problems).toHaveLength(1);
		expect(problems[0]).toBeInstanceOf(ChunkCorruptedError);
		expect(problems[0]!.where).toMatchObject({ versionId: 'p/m/v1', path: 'w.bin', chunkIndex: 1 });
		expect(problems[0]!.message).toMatch(/Chunk 1 of "w.bin" in p\/m\/v1 is corrupted/);
		await expect(cairn.bytes.verifiedBlob(version, file)).rejects.toThrow(ChunkCorruptedError);
		const reader = cairn.bytes.stream(version, file).getReader();
		expect((await reader.read()).value?.length).toBe(4 * MiB);
		await expect(reader.read()).rejects.toThrow(/corrupted/);
		expect(await cairn.bytes.verifyAll()).toHaveLength(1);
		await run.finish();
	});
});

describe('garbage collection racing an upload', () => {
	it('re-ingests once when a chunk the ingest skipped was swept before the commit', async () => {
		const base = await openTestCairn();
		const data = bytesOf(4 * MiB + 7, 9);
		// An earlier, abandoned upload left this file's first chunk stored but unreferenced.
		await base.cairn.ingest(data.slice(0, 4 * MiB).buffer, {});
		let ingests = 0;
		const { cairn } = await openTestCairn({
			dbName: base.cairn.db.name,
			ingest: async (source, options) => {
				const result = await base.cairn.ingest(source, options);
				// The collector sweeps the old unreferenced chunk between the first ingest and its commit.
				if (ingests++ === 0) await base.cairn.db.blobChunks.delete(result.chunks[0]!);
				return result;
			}
		});
		open.push(cairn, base.cairn);
		const logged = await cairn.logArtifact('p', null, 'm', data, { kind: 'model', path: 'w.bin' });
		expect(ingests).toBe(2);
		expect(logged.created).toBe(true);
		expect(await cairn.bytes.verifyVersion(logged.version)).toEqual([]);
	});

	it('gives up with MissingChunksError when chunks keep disappearing', async () => {
		const base = await openTestCairn();
		const { cairn } = await openTestCairn({
			dbName: base.cairn.db.name,
			ingest: async (source, options) => {
				const result = await base.cairn.ingest(source, options);
				await base.cairn.db.blobChunks.delete(result.chunks[0]!);
				return result;
			}
		});
		open.push(cairn, base.cairn);
		await expect(cairn.logArtifact('p', null, 'm', bytesOf(100), { kind: 'model' })).rejects.toThrow(MissingChunksError);
		expect(await cairn.artifacts.listArtifacts('p')).toEqual([]);
	});
});
