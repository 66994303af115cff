/**
 * The document's merge rules one at a time (doc-schema.ts header), each with
 * two or three peers that edit while apart and then sync; plus the
 * projection's handling of records and updates that arrive from a peer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { isExternal, type ArtifactVersion } from '$lib/core/artifacts';
import { LockedError } from '$lib/core/errors';
import type { RunRecord } from '$lib/core/types';
import { newRunMap, root } from '$lib/sync/doc-schema';
import { EARLY_PROJECTS_MIN_RUNS, RUN_PUT_BATCH } from '$lib/sync/projection';
import Dexie from 'dexie';
import { chunkEnvelope, unpackColumns } from '$lib/core/metric-chunks';
import { NETWORK_ORIGIN, syncDocs } from './sim-network';
import { exchangeChunks, openPeer, projectionDump, settleProjections, type SimPeer } from './sim-peers';
import { inProcess } from '../helpers';

// Run handles keep a 10 s heartbeat interval; it must not outlive the test's database.
beforeAll(() => {
	vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
});
afterAll(() => {
	vi.useRealTimers();
});

const open: SimPeer[] = [];
afterEach(async () => {
	for (const p of open.splice(0)) await p.cairn.close();
});

async function twoPeers() {
	const clock = { now: Date.UTC(2026, 10, 26, 12, 0, 0) };
	const a = await openPeer(0, () => clock.now, 1);
	const b = await openPeer(1, () => clock.now, 2);
	open.push(a, b);
	/** Full sync both ways, chunk exchange, projections settled. */
	const sync = async () => {
		syncDocs(inProcess(a.cairn).doc, inProcess(b.cairn).doc);
		await exchangeChunks(a, b);
		await exchangeChunks(b, a);
		await settleProjections([a, b]);
	};
	await sync();
	return { a, b, clock, sync };
}

/** Three peers, synced; client ids descend so that C's concurrent map entries sort before A's. */
async function threePeers() {
	const clock = { now: Date.UTC(2026, 10, 26, 12, 0, 0) };
	const peers = [await openPeer(0, () => clock.now, 3), await openPeer(1, () => clock.now, 2), await openPeer(2, () => clock.now, 1)] as const;
	open.push(...peers);
	/** Full sync of the given peers (default: all), chunk exchange, projections settled. */
	const sync = async (...among: SimPeer[]) => {
		const group = among.length ? among : [...peers];
		for (const x of group) for (const y of group) if (x !== y) syncDocs(inProcess(x.cairn).doc, inProcess(y.cairn).doc);
		for (const x of group) for (const y of group) if (x !== y) await exchangeChunks(x, y);
		await settleProjections(group);
	};
	await sync();
	return { peers, clock, sync };
}

/** Collects the updates a peer makes itself (not those it receives), to deliver them selectively. */
function ownUpdates(p: SimPeer): Uint8Array[] {
	const out: Uint8Array[] = [];
	inProcess(p.cairn).doc.on('update', (u: Uint8Array, origin: unknown) => origin !== NETWORK_ORIGIN && out.push(u));
	return out;
}

/** The versions of an artifact as `id → key`, the part both peers must agree on. */
async function versionIds(p: SimPeer, name = 'm'): Promise<Record<string, string>> {
	const versions: ArtifactVersion[] = await p.cairn.artifacts.listVersions('p', name);
	return Object.fromEntries(versions.map((v) => [v.id, v.key]));
}

describe('merge rules, two peers editing apart', () => {
	it('tags merge as a set: an add on one peer and a removal of another tag on the other both hold', async () => {
		const { a, b, sync } = await twoPeers();
		const run = await a.cairn.startRun({ project: 'p', tags: ['baseline', 'keep'] });
		await sync();
		await a.cairn.runs.update(run.id, (r) => void (r.tags = [...r.tags, 'fast']));
		await b.cairn.runs.update(run.id, (r) => void (r.tags = r.tags.filter((t) => t !== 'baseline')));
		await sync();
		for (const p of [a, b]) expect((await p.cairn.runs.get(run.id))?.tags).toEqual(['fast', 'keep']);
	});

	it('tags: an add made apart from a removal of the same tag survives it (observed-remove set)', async () => {
		const { peers: [a, b, c], sync } = await threePeers();
		const run = await a.cairn.startRun({ project: 'p' });
		await sync();
		await a.cairn.runs.update(run.id, (r) => void (r.tags = ['shared']));
		await sync(a, b);
		// B removes the tag it saw (A's add); C, apart, adds the same tag itself.
		await b.cairn.runs.update(run.id, (r) => void (r.tags = []));
		await c.cairn.runs.update(run.id, (r) => void (r.tags = ['shared']));
		await sync();
		for (const p of [a, b, c]) expect((await p.cairn.runs.get(run.id))?.tags).toEqual(['shared']);
		// A removal that has seen every add removes the tag for good.
		await a.cairn.runs.update(run.id, (r) => void (r.tags = []));
		await sync();
		for (const p of [a, b, c]) expect((await p.cairn.runs.get(run.id))?.tags).toEqual([]);
	});

	it('notes: concurrent edits at both ends both survive', async () => {
		const { a, b, sync } = await twoPeers();
		const run = await a.cairn.startRun({ project: 'p', notes: 'intro' });
		await sync();
		await a.cairn.runs.update(run.id, (r) => void (r.notes = `${r.notes} + alpha`));
		await b.cairn.runs.update(run.id, (r) => void (r.notes = `beta + ${r.notes}`));
		await sync();
		for (const p of [a, b]) expect((await p.cairn.runs.get(run.id))?.notes).toBe('beta + intro + alpha');
	});

	it('notes: an edit made while a teammate\'s edit is in the document but not yet projected keeps both', async () => {
		const { a, b, sync } = await twoPeers();
		const run = await a.cairn.startRun({ project: 'p', notes: 'intro' });
		await sync();
		await a.cairn.runs.update(run.id, (r) => void (r.notes = `${r.notes} + alpha`));
		// B's document has A's edit; B's projection has not caught up when B's edit reads the run.
		syncDocs(inProcess(a.cairn).doc, inProcess(b.cairn).doc);
		await b.cairn.runs.update(run.id, (r) => void (r.notes = `beta + ${r.notes}`));
		await sync();
		for (const p of [a, b]) expect((await p.cairn.runs.get(run.id))?.notes).toBe('beta + intro + alpha');
	});

	it('aliases: last writer wins, and the losing move stays in the history on both peers', async () => {
		const { a, b, clock, sync } = await twoPeers();
		await a.cairn.logArtifact('p', null, 'm', 'one', { kind: 'model' });
		await a.cairn.logArtifact('p', null, 'm', 'two', { kind: 'model' });
		await sync();
		clock.now += 1000;
		await a.cairn.artifacts.setAlias('p', 'm', 'prod', 1, { by: 'ana', now: clock.now, reason: 'a says v1' });
		await b.cairn.artifacts.setAlias('p', 'm', 'prod', 2, { by: 'bo', now: clock.now, reason: 'b says v2' });
		await sync();
		const [ra, rb] = [await a.cairn.artifacts.getArtifact('p', 'm'), await b.cairn.artifacts.getArtifact('p', 'm')];
		expect(ra?.aliases).toEqual(rb?.aliases);
		expect([1, 2]).toContain(ra?.aliases.prod);
		for (const r of [ra, rb])
			expect(r?.aliasHistory.filter((h) => h.alias === 'prod').map((h) => [h.to, h.reason]).sort()).toEqual([[1, 'a says v1'], [2, 'b says v2']]);
	});

	it('aliases: moves on an artifact that both peers created while apart are all kept', async () => {
		const { a, b, clock, sync } = await twoPeers();
		await a.cairn.logArtifact('p', null, 'm', 'from a', { kind: 'model' });
		await b.cairn.logArtifact('p', null, 'm', 'from b', { kind: 'model' });
		clock.now += 1000;
		await a.cairn.artifacts.setAlias('p', 'm', 'prod', 1, { by: 'ana', now: clock.now, reason: 'a ships' });
		await b.cairn.artifacts.setAlias('p', 'm', 'staging', 1, { by: 'bo', now: clock.now, reason: 'b stages' });
		await sync();
		for (const p of [a, b]) {
			const reasons = (await p.cairn.artifacts.getArtifact('p', 'm'))?.aliasHistory.map((h) => h.reason);
			expect(reasons).toEqual(expect.arrayContaining(['a ships', 'b stages']));
			expect(reasons?.filter((r) => r === 'new version')).toHaveLength(2);
		}
		expect(await projectionDump(a.cairn.db)).toEqual(await projectionDump(b.cairn.db));
	});

	it('versions: "v2" created on both peers apart become v2 and v3, with the same ids everywhere', async () => {
		const { a, b, clock, sync } = await twoPeers();
		await a.cairn.logArtifact('p', null, 'm', 'one', { kind: 'model' });
		await sync();
		clock.now += 1000;
		const fromA = await a.cairn.logArtifact('p', null, 'm', 'two from a', { kind: 'model' });
		clock.now += 1000;
		const fromB = await b.cairn.logArtifact('p', null, 'm', 'two from b', { kind: 'model' });
		expect([fromA.version.version, fromB.version.version]).toEqual([2, 2]);
		await sync();
		const ids = await versionIds(a);
		expect(await versionIds(b)).toEqual(ids);
		expect(Object.keys(ids).sort()).toEqual(['p/m/v1', 'p/m/v2', 'p/m/v3']);
		// Ordered by (proposed, createdAt): A's came first.
		expect(ids['p/m/v2']).toBe(fromA.version.key);
		expect(ids['p/m/v3']).toBe(fromB.version.key);
		for (const p of [a, b]) expect((await p.cairn.artifacts.getArtifact('p', 'm'))?.latestVersion).toBe(3);
	});

	it('versions: identical bytes logged on both peers apart stay one version', async () => {
		const { a, b, sync } = await twoPeers();
		await a.cairn.logArtifact('p', null, 'm', 'same', { kind: 'model' });
		await b.cairn.logArtifact('p', null, 'm', 'same', { kind: 'model' });
		await sync();
		for (const p of [a, b]) expect(Object.keys(await versionIds(p))).toEqual(['p/m/v1']);
	});

	it('a locked version cannot be deleted, also by a peer that learned of the lock by sync', async () => {
		const { a, b, clock, sync } = await twoPeers();
		await a.cairn.logArtifact('p', null, 'm', 'one', { kind: 'model' });
		await a.cairn.artifacts.lock('p/m/v1', { by: 'ana', now: clock.now, reason: 'approved' });
		await sync();
		await expect(b.cairn.artifacts.deleteVersion('p/m/v1', { by: 'bo', now: clock.now })).rejects.toThrow(LockedError);
		await sync();
		for (const p of [a, b]) expect((await p.cairn.artifacts.getVersion('p/m/v1'))?.locked).toMatchObject({ by: 'ana' });
	});

	it('a lock and a concurrent deletion: the locked version is not deleted', async () => {
		const { a, b, clock, sync } = await twoPeers();
		await a.cairn.logArtifact('p', null, 'm', 'one', { kind: 'model' });
		await sync();
		await a.cairn.artifacts.lock('p/m/v1', { by: 'ana', now: clock.now, reason: 'approved' });
		await b.cairn.artifacts.deleteVersion('p/m/v1', { by: 'bo', now: clock.now });
		await sync();
		for (const p of [a, b]) expect((await p.cairn.artifacts.getVersion('p/m/v1'))?.locked).toMatchObject({ by: 'ana' });
		// Unlocking does not carry out the deletion that raced the lock.
		await b.cairn.artifacts.unlock('p/m/v1', { by: 'bo', now: clock.now, reason: 'new data' });
		await sync();
		for (const p of [a, b]) expect((await p.cairn.artifacts.getVersion('p/m/v1'))?.locked).toBeNull();
	});

	it('versions: two peers re-logging deleted bytes apart still make one version', async () => {
		const { a, b, clock, sync } = await twoPeers();
		const first = await a.cairn.logArtifact('p', null, 'm', 'same', { kind: 'model' });
		await a.cairn.artifacts.deleteVersion(first.version.id, { by: 'ana', now: clock.now });
		await sync();
		clock.now += 1000;
		const [fromA, fromB] = [await a.cairn.logArtifact('p', null, 'm', 'same', { kind: 'model' }), await b.cairn.logArtifact('p', null, 'm', 'same', { kind: 'model' })];
		expect(fromA.version.key).toBe(fromB.version.key);
		expect(fromA.version.key).not.toBe(first.version.key);
		await sync();
		for (const p of [a, b]) expect(Object.values(await versionIds(p))).toEqual([fromA.version.key]);
	});

	it('versions: a deletion that arrives before its version does not delete a fresh log of the same bytes', async () => {
		const { peers: [a, b, c], clock, sync } = await threePeers();
		const logged = await a.cairn.logArtifact('p', null, 'm', 'same', { kind: 'model' });
		await sync(a, b);
		const fromB = ownUpdates(b);
		await b.cairn.artifacts.deleteVersion(logged.version.id, { by: 'bo', now: clock.now });
		// C hears of B's deletion, not yet of A's version, and logs the same bytes.
		for (const u of fromB) Y.applyUpdate(inProcess(c.cairn).doc, u, NETWORK_ORIGIN);
		await settleProjections([c]);
		const again = await c.cairn.logArtifact('p', null, 'm', 'same', { kind: 'model' });
		expect(again.created).toBe(true);
		expect(again.version.key).not.toBe(logged.version.key);
		await sync();
		for (const p of [a, b, c]) expect(Object.values(await versionIds(p))).toEqual([again.version.key]);
	});

	it('a lock survives the same content being logged on another peer meanwhile', async () => {
		const { a, b, clock, sync } = await twoPeers();
		await a.cairn.logArtifact('p', null, 'm', 'same', { kind: 'model' });
		await a.cairn.artifacts.lock('p/m/v1', { by: 'ana', now: clock.now, reason: 'approved' });
		await b.cairn.logArtifact('p', null, 'm', 'same', { kind: 'model' });
		await sync();
		for (const p of [a, b]) expect((await p.cairn.artifacts.getVersion('p/m/v1'))?.locked).toMatchObject({ by: 'ana' });
	});

	it('deleting a version frees its chunks on the other peer after sync', async () => {
		const { a, b, clock, sync } = await twoPeers();
		const { version } = await a.cairn.logArtifact('p', null, 'm', 'bytes to free', { kind: 'model' });
		const file = version.files[0];
		if (!file || isExternal(file)) throw new Error('expected a stored file');
		const [hash] = file.chunks as [string];
		await sync();
		expect(await b.cairn.db.chunkRefs.get(hash)).toEqual({ hash, refs: 1 });
		expect(await b.cairn.db.blobChunks.get(hash)).toBeDefined();
		await a.cairn.artifacts.deleteVersion(version.id, { by: 'ana', now: clock.now });
		await sync();
		for (const p of [a, b]) {
			expect(await p.cairn.db.chunkRefs.get(hash)).toBeUndefined();
			expect(await p.cairn.db.blobChunks.get(hash)).toBeUndefined();
			expect(await p.cairn.artifacts.getVersion(version.id)).toBeUndefined();
		}
	});
});

describe('what the projection does with updates from a peer', () => {
	it('does not project a run that fails validation, and reports it through onError', async () => {
		const { a, b, sync } = await twoPeers();
		const good = await a.cairn.startRun({ project: 'p' });
		await sync();
		const bad: RunRecord = { ...((await a.cairn.runs.get(good.id)) as RunRecord), id: 'bad-run', status: 'exploded' as RunRecord['status'] };
		const doc = inProcess(a.cairn).doc;
		doc.transact(() => root<Y.Map<unknown>>(doc, 'runs').set(bad.id, newRunMap(bad)), NETWORK_ORIGIN);
		await sync();
		for (const p of [a, b]) {
			expect(await p.cairn.runs.get('bad-run')).toBeUndefined();
			expect(await p.cairn.runs.get(good.id)).toBeDefined();
			expect(p.errors).toHaveLength(1);
			expect(String(p.errors[0])).toMatch(/run bad-run.*run status.*"exploded"/);
		}
	});

	it('reports an invalid run at once, also while other updates wait for earlier ones', async () => {
		const { peers: [a, b, c], sync } = await threePeers();
		const run = await a.cairn.startRun({ project: 'p' });
		await sync();
		const fromA = ownUpdates(a);
		await a.cairn.runs.update(run.id, (r) => void (r.tags = ['one']));
		await a.cairn.runs.update(run.id, (r) => void (r.tags = ['two']));
		// B gets A's second update only: it waits (pending) for the first.
		Y.applyUpdate(inProcess(b.cairn).doc, fromA[1] as Uint8Array, NETWORK_ORIGIN);
		const bad: RunRecord = { ...((await c.cairn.runs.get(run.id)) as RunRecord), id: 'bad-run', status: 'exploded' as RunRecord['status'] };
		const doc = inProcess(c.cairn).doc;
		doc.transact(() => root<Y.Map<unknown>>(doc, 'runs').set(bad.id, newRunMap(bad)), NETWORK_ORIGIN);
		Y.applyUpdate(inProcess(b.cairn).doc, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(inProcess(b.cairn).doc)), NETWORK_ORIGIN);
		await settleProjections([b]);
		expect(inProcess(b.cairn).doc.store.pendingStructs).not.toBeNull();
		expect(b.errors.map(String)).toEqual([expect.stringMatching(/run bad-run.*"exploded"/)]);
		Y.applyUpdate(inProcess(b.cairn).doc, fromA[0] as Uint8Array, NETWORK_ORIGIN);
		await settleProjections([b]);
		expect(b.errors).toHaveLength(1);
		expect((await b.cairn.runs.get(run.id))?.tags).toEqual(['two']);
		expect(await b.cairn.runs.get('bad-run')).toBeUndefined();
	});

	it('reports no invalid record while an overwritten field\'s new value waits for an earlier update', async () => {
		const { a, b, clock, sync } = await twoPeers();
		const run = await a.cairn.startRun({ project: 'p' });
		await sync();
		const updates: Uint8Array[] = [];
		inProcess(a.cairn).doc.on('update', (u: Uint8Array) => updates.push(u));
		clock.now += 1000;
		await run.finish(); // overwrites status, endedAt and heartbeatAt
		await a.cairn.runs.update(run.id, (r) => void (r.tags = ['late']));
		await a.cairn.runs.update(run.id, (r) => void (r.status = 'killed')); // overwrites status again
		const [finish, tag, kill] = updates as [Uint8Array, Uint8Array, Uint8Array];
		// B gets the first and the third: the third deletes the first's status, its own value waits for the second.
		Y.applyUpdate(inProcess(b.cairn).doc, finish, NETWORK_ORIGIN);
		await settleProjections([b]);
		Y.applyUpdate(inProcess(b.cairn).doc, kill, NETWORK_ORIGIN);
		await settleProjections([b]);
		expect(b.errors).toEqual([]);
		expect((await b.cairn.runs.get(run.id))?.status).toBe('finished');
		// B restarts: the held-back item is not stored, the deletion is; the run stays incomplete, unreported.
		await b.cairn.close();
		const b2 = await openPeer(1, () => clock.now, 4, b.dbName);
		open.push(b2);
		expect(b2.errors).toEqual([]);
		expect((await b2.cairn.runs.get(run.id))?.status).toBe('finished');
		// The next update re-projects the run while its status is still missing.
		Y.applyUpdate(inProcess(b2.cairn).doc, tag, NETWORK_ORIGIN);
		await settleProjections([b2]);
		expect(inProcess(b2.cairn).doc.store.pendingStructs).toBeNull();
		expect(b2.errors).toEqual([]);
		syncDocs(inProcess(a.cairn).doc, inProcess(b2.cairn).doc);
		await settleProjections([a, b2]);
		expect(b2.errors).toEqual([]);
		expect(await b2.cairn.runs.get(run.id)).toEqual(await a.cairn.runs.get(run.id));
		expect((await b2.cairn.runs.get(run.id))?.status).toBe('killed');
	});

	it('projects a use that arrived before the version it names once the version arrives', async () => {
		const { a, b, clock, sync } = await twoPeers();
		const c = await openPeer(2, () => clock.now, 3);
		open.push(c);
		const { version } = await a.cairn.logArtifact('p', null, 'm', 'one', { kind: 'model' });
		// C learns of the version from A and uses it; B hears C's own updates before A's.
		syncDocs(inProcess(a.cairn).doc, inProcess(c.cairn).doc);
		await settleProjections([c]);
		const fromC: Uint8Array[] = [];
		inProcess(c.cairn).doc.on('update', (u: Uint8Array, origin: unknown) => origin !== NETWORK_ORIGIN && fromC.push(u));
		const consumer = await c.cairn.startRun({ project: 'p' });
		await c.cairn.artifacts.recordUse(consumer.id, version.id, clock.now);
		for (const u of fromC) Y.applyUpdate(inProcess(b.cairn).doc, u, NETWORK_ORIGIN);
		await settleProjections([b]);
		expect(await b.cairn.runs.get(consumer.id)).toBeDefined();
		expect(await b.cairn.artifacts.getVersion(version.id)).toBeUndefined();
		await sync();
		expect((await b.cairn.artifacts.usesOfVersion(version.id)).map((u) => u.runId)).toEqual([consumer.id]);
	});

	it('on a large first sync, commits the projects before the runs (the project list fills at once)', async () => {
		const { a, b } = await twoPeers();
		const doc = inProcess(a.cairn).doc;
		const base = (await a.cairn.startRun({ project: 'big' })).id;
		const record = (await a.cairn.runs.get(base)) as RunRecord;
		doc.transact(() => {
			const runs = root<Y.Map<unknown>>(doc, 'runs');
			for (let i = 0; i < EARLY_PROJECTS_MIN_RUNS; i++) runs.set(`bulk-${i}`, newRunMap({ ...record, id: `bulk-${i}` }));
		});
		await settleProjections([a]);
		const commits: string[][] = [];
		const db = b.cairn.db;
		const onCommit = (parts: Record<string, unknown>) => {
			const tables = [...new Set(Object.keys(parts).filter((k) => k.startsWith(`idb://${db.name}/`)).map((k) => k.split('/')[3] ?? ''))];
			if (tables.includes('projects') || tables.includes('runs')) commits.push(tables.filter((t) => t === 'projects' || t === 'runs').sort());
		};
		Dexie.on('storagemutated', onCommit);
		try {
			syncDocs(doc, inProcess(b.cairn).doc);
			await settleProjections([b]);
		} finally {
			Dexie.on('storagemutated').unsubscribe(onCommit);
		}
		expect(commits[0]).toEqual(['projects']);
		expect(commits.some((t) => t.includes('runs'))).toBe(true);
		expect(await b.cairn.db.runs.where('[projectId+startedAt]').between(['big', -Infinity], ['big', Infinity]).count()).toBe(EARLY_PROJECTS_MIN_RUNS + 1);
	});

	it('projects a first sync of several put batches of runs in one commit, and a run changed during the write ends changed', async () => {
		const { a, b } = await twoPeers();
		const doc = inProcess(a.cairn).doc;
		const base = (await a.cairn.startRun({ project: 'big' })).id;
		const record = (await a.cairn.runs.get(base)) as RunRecord;
		const n = 2 * RUN_PUT_BATCH + 7;
		doc.transact(() => {
			const runs = root<Y.Map<unknown>>(doc, 'runs');
			for (let i = 0; i < n; i++) runs.set(`bulk-${i}`, newRunMap({ ...record, id: `bulk-${i}`, name: `bulk-${i}` }));
		});
		await settleProjections([a]);
		const runCommits: number[] = [];
		const db = b.cairn.db;
		const onCommit = (parts: Record<string, unknown>) => {
			if (Object.keys(parts).some((k) => k.startsWith(`idb://${db.name}/runs/`))) runCommits.push(runCommits.length);
		};
		Dexie.on('storagemutated', onCommit);
		try {
			const docB = inProcess(b.cairn).doc;
			syncDocs(doc, docB);
			// While the first batches are written: a teammate's rename of a run in the last batch.
			await new Promise((r) => setTimeout(r, 0));
			docB.transact(() => (root<Y.Map<unknown>>(docB, 'runs').get(`bulk-${n - 1}`) as Y.Map<unknown>).set('name', 'renamed'));
			await settleProjections([b]);
		} finally {
			Dexie.on('storagemutated').unsubscribe(onCommit);
		}
		expect(await db.runs.where('[projectId+startedAt]').between(['big', -Infinity], ['big', Infinity]).count()).toBe(n + 1);
		expect((await db.runs.get(`bulk-${n - 1}`))?.name).toBe('renamed');
		expect((await db.runs.get(`bulk-${RUN_PUT_BATCH}`))?.name).toBe(`bulk-${RUN_PUT_BATCH}`);
		// One commit for the whole first sync (the batches share its transaction), at most one more for the rename.
		expect(runCommits.length).toBeGreaterThanOrEqual(1);
		expect(runCommits.length).toBeLessThanOrEqual(2);
	});

	it('indexes a chunk the SDK just stored with the envelope the SDK computed, without reading the chunk back', async () => {
		const { a } = await twoPeers();
		const run = await a.cairn.startRun({ project: 'p' });
		const reads = vi.spyOn(a.cairn.db.metricChunks, 'bulkGet');
		for (let step = 0; step < 5000; step++) run.log({ loss: Math.sin(step) }, { step });
		await run.flush();
		expect(reads).not.toHaveBeenCalled();
		reads.mockRestore();
		const [row] = await a.cairn.db.seriesChunks.where({ runId: run.id }).toArray();
		const chunk = await a.cairn.db.metricChunks.get(row!.hash);
		expect(row!.envelope).toEqual(chunkEnvelope(unpackColumns(chunk!.data)));
		await run.finish();
	});
});
