/**
 * SharedWrites over a workspace's Yjs document: each repository change becomes
 * one Yjs transaction (origin LOCAL_ORIGIN), then waits until the update is
 * durable and projected into Dexie. Durability: y-indexeddb writes each update
 * in its own IndexedDB transaction as the update happens; IndexedDB runs
 * read-write transactions with overlapping scopes in creation order, so an
 * empty read-write transaction on the same store created afterwards completes
 * only once that update is committed (`durable`).
 */
import * as Y from 'yjs';
import type { LockState } from '$lib/core/artifacts';
import { artifactId } from '$lib/core/artifacts';
import { NotFoundError } from '$lib/core/errors';
import type { ProjectRecord, RunRecord } from '$lib/core/types';
import type { AliasChange, MetricCommit, NewVersion, SharedWrites } from '$lib/store/shared-writes';
import {
	addMove,
	aliasKey,
	applyRunDiff,
	assignVersionNumbers,
	isDeleted,
	newArtifactMap,
	newProjectMap,
	newRunMap,
	newVersionMap,
	readVersion,
	root,
	seriesEntryKey,
	tailKey,
	useKey,
	versionKey,
	type AliasTarget,
	type SeriesEntry,
	type TailEntry,
	type UseEntry,
	type VersionDeletion
} from './doc-schema';
import { LOCAL_ORIGIN } from './origins';
import type { Projection } from './projection';

/** Resolves once every update written so far is committed (see the header). */
export type DurabilityBarrier = () => Promise<void>;

export class SharedDoc implements SharedWrites {
	constructor(
		private readonly doc: Y.Doc,
		private readonly projection: Projection,
		private readonly durable: DurabilityBarrier
	) {}

	async #write(change: () => void): Promise<void> {
		this.doc.transact(change, LOCAL_ORIGIN);
		await Promise.all([this.durable(), this.projection.settled()]);
	}

	ensureProject(project: ProjectRecord): Promise<void> {
		return this.#write(() => {
			const projects = root<Y.Map<unknown>>(this.doc, 'projects');
			if (!projects.has(project.id)) projects.set(project.id, newProjectMap(project));
		});
	}

	createRun(run: RunRecord): Promise<void> {
		return this.#write(() => root<Y.Map<unknown>>(this.doc, 'runs').set(run.id, newRunMap(run)));
	}

	updateRun(before: RunRecord, after: RunRecord): Promise<void> {
		const map = root<Y.Map<unknown>>(this.doc, 'runs').get(before.id);
		if (!(map instanceof Y.Map)) throw new NotFoundError('run', before.id);
		return this.#write(() => applyRunDiff(map, before, after));
	}

	commitMetrics(commit: MetricCommit): Promise<void> {
		const run = root<Y.Map<unknown>>(this.doc, 'runs').get(commit.runId);
		if (!(run instanceof Y.Map)) throw new NotFoundError('run', commit.runId);
		// The chunks are stored (the repository writes them first): their envelopes need no read-back.
		for (const s of commit.sealed) if (s.envelope) this.projection.envelopeKnown(s.hash, s.envelope);
		return this.#write(() => {
			const series = root<SeriesEntry>(this.doc, 'series');
			for (const s of commit.sealed)
				series.set(seriesEntryKey(commit.runId, s.series, s.seq), { hash: s.hash, points: s.points, firstStep: s.firstStep, lastStep: s.lastStep });
			const tails = root<TailEntry>(this.doc, 'tails');
			for (const { series: id, tail } of commit.tails) {
				const key = tailKey(commit.runId, id);
				if (tail) tails.set(key, { seq: tail.seq, data: new Uint8Array(tail.data.buffer, tail.data.byteOffset, tail.data.byteLength).slice() });
				else if (tails.has(key)) tails.delete(key);
			}
			const summaries = run.get('summaries') as Y.Map<unknown>;
			for (const [id, summary] of Object.entries(commit.summaries)) summaries.set(id, { ...summary });
			if (commit.heartbeatAt > ((run.get('heartbeatAt') as number) ?? 0)) run.set('heartbeatAt', commit.heartbeatAt);
		});
	}

	async createVersion(artifact: { projectId: string; name: string; kind: NewVersion['kind']; createdAt: number }, version: NewVersion, proposed: number): Promise<{ key: string; created: boolean }> {
		const aid = artifactId(artifact.projectId, artifact.name);
		const versions = root<Y.Map<unknown>>(this.doc, 'versions');
		// Identical content deleted earlier keeps its tombstone; a re-log takes the next free `~n`
		// key, which every device that saw the same tombstones picks alike, so two devices
		// re-logging the same bytes apart still end up with one version (not a random key each).
		// A tombstone can arrive before the version it deletes (from another peer): it takes the key too.
		const contentKey = versionKey(aid, version.contentDigest);
		const deletions = root<VersionDeletion>(this.doc, 'deletions');
		let key = contentKey;
		for (let n = 1; versions.has(key) || deletions.has(key); n++) {
			const existing = versions.get(key);
			// Already here, live: this device's projection had not caught up yet. Nothing to write.
			if (existing instanceof Y.Map && !isDeleted(readVersion(this.doc, key, existing))) {
				await this.projection.settled();
				return { key, created: false };
			}
			key = `${contentKey}~${n}`;
		}
		const latestBefore = this.#latestKey(aid);
		await this.#write(() => {
			const artifacts = root<Y.Map<unknown>>(this.doc, 'artifacts');
			if (!(artifacts.get(aid) instanceof Y.Map)) artifacts.set(aid, newArtifactMap(artifact.projectId, artifact.name, artifact.kind, artifact.createdAt));
			versions.set(key, newVersionMap(version, proposed));
			addMove(this.doc, aid, { alias: 'latest', fromKey: latestBefore, toKey: key, at: version.createdAt, by: version.createdBy, reason: 'new version' });
		});
		return { key, created: true };
	}

	/** The newest undeleted version's key, by final number. */
	#latestKey(aid: string): string | null {
		const states = [...root<Y.Map<unknown>>(this.doc, 'versions')]
			.filter(([k, y]) => k.startsWith(`${aid}@`) && y instanceof Y.Map)
			.map(([k, y]) => readVersion(this.doc, k, y));
		const numbers = assignVersionNumbers(states);
		let best: string | null = null;
		let max = 0;
		for (const s of states) {
			const n = numbers.get(s.key) ?? 0;
			if (!isDeleted(s) && n > max) [best, max] = [s.key, n];
		}
		return best;
	}

	changeAlias(change: AliasChange): Promise<void> {
		const aid = artifactId(change.projectId, change.name);
		const a = root<Y.Map<unknown>>(this.doc, 'artifacts').get(aid);
		if (!(a instanceof Y.Map)) throw new NotFoundError('artifact', aid);
		return this.#write(() => {
			const aliases = root<AliasTarget>(this.doc, 'aliases');
			if (change.toKey === null) aliases.delete(aliasKey(aid, change.alias));
			else aliases.set(aliasKey(aid, change.alias), { key: change.toKey, at: change.at, by: change.by });
			addMove(this.doc, aid, { alias: change.alias, fromKey: change.fromKey, toKey: change.toKey, at: change.at, by: change.by, reason: change.reason });
		});
	}

	setLock(key: string, lock: LockState | null): Promise<void> {
		this.#versionMap(key);
		return this.#write(() => {
			root<LockState | null>(this.doc, 'locks').set(key, lock ? { ...lock } : null);
			// A deletion that raced the lock was inert while it held (isDeleted); unlocking does not bring it back to life.
			if (!lock) root<VersionDeletion>(this.doc, 'deletions').delete(key);
		});
	}

	async deleteVersion(key: string, by: string, at: number): Promise<void> {
		this.#versionMap(key);
		const aid = key.slice(0, key.indexOf('@'));
		const wasLatest = this.#latestKey(aid) === key;
		await this.#write(() => {
			root<VersionDeletion>(this.doc, 'deletions').set(key, { by, at });
			if (!wasLatest) return;
			const next = this.#latestKey(aid);
			if (next !== key) addMove(this.doc, aid, { alias: 'latest', fromKey: key, toKey: next, at, by, reason: 'deleted' });
		});
	}

	recordUse(runId: string, key: string, at: number): Promise<void> {
		return this.#write(() => {
			const uses = root<UseEntry>(this.doc, 'uses');
			const k = useKey(runId, key);
			if (!uses.has(k)) uses.set(k, { runId, versionKey: key, at });
		});
	}

	#versionMap(key: string): Y.Map<unknown> {
		const v = root<Y.Map<unknown>>(this.doc, 'versions').get(key);
		if (!(v instanceof Y.Map)) throw new NotFoundError('artifact version', key);
		return v;
	}
}
