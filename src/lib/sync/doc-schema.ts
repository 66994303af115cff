/**
 * The layout of a workspace's Yjs document — the source of truth for shared,
 * mutable team state (principle 4). Dexie tables are its projection
 * (projection.ts); chunk bytes live in Dexie, named by SHA-256, and the
 * document only references them.
 *
 * Top-level maps and the merge rule of each field (docs/sync.md repeats them):
 *   meta      name of the workspace                                   last writer wins
 *   members   deviceId → MemberRecord                                  last writer wins per device
 *   projects  id → Y.Map of ProjectRecord fields                       last writer wins per field
 *   runs      id → Y.Map: scalar fields                                last writer wins per field
 *                    tags: Y.Map<`${tag}␟${add}`, true>              a set: adds and removes merge (observed-remove)
 *                    notes: Y.Text                                    text: concurrent edits interleave
 *                    summaries: Y.Map<seriesId, MetricSummary>        per series (one writer per run)
 *   series    `${runId}␟${series}␟${seq}` → sealed chunk index row    immutable, add-only
 *   tails     `${runId}␟${series}` → { seq, data } open tail bytes     last writer wins (one writer per run)
 *   artifacts id → Y.Map { projectId, name, kind, createdAt }         last writer wins per field
 *   aliases   `${artifactId}␟${alias}` → AliasTarget                  last writer wins per alias
 *   moves     `${artifactId}␟${writer}` → AliasMoveEntry              every alias move kept (add-only)
 *   versions  `${artifactId}@${contentDigest}` → Y.Map {
 *                    record (immutable), proposed number }
 *   locks     versionKey → LockState | null                            last writer wins
 *   deletions versionKey → { by, at }                                  a tombstone, inert while the version is
 *                                                                      locked and cleared by unlocking: a locked
 *                                                                      version is never deleted
 *   uses      `${runId}␟${versionKey}` → ArtifactUse                   add-only
 *
 * A value that two devices can create apart holds no state that changes later.
 * Two devices that log the first version of an artifact, or the same bytes,
 * while offline both set the same key; Yjs keeps one of the two values whole,
 * so aliases, history, a lock or a tombstone nested inside the other would be
 * lost. They live in their own top-level maps under composite keys instead.
 *
 * Version numbers: two devices offline can both create "v3" of one artifact.
 * Versions are therefore keyed by content (identical bytes never make a new
 * version), carry the number their creator proposed, and the projection
 * assigns final numbers deterministically: ordered by (proposed, createdAt,
 * key), each gets max(proposed, previous + 1). Without a conflict, numbers are
 * exactly the proposed ones.
 *
 * No per-point items: metric points travel as chunk bytes (by hash) and one
 * overwritten tail per series, so the CRDT grows with chunks, not points.
 */
import * as Y from 'yjs';
import type { ArtifactKind, ArtifactUse, ArtifactVersion, LockState } from '$lib/core/artifacts';
import { isExternal } from '$lib/core/artifacts';
import type { MemberRecord } from '$lib/core/workspace';
import type { MetricSummary, ProjectRecord, RunRecord } from '$lib/core/types';

/** ASCII unit separator: cannot occur in run ids, metric keys, splits or version keys, so composite keys split unambiguously. */
export const SEP = '\u001f';

export const ROOTS = ['meta', 'members', 'projects', 'runs', 'series', 'tails', 'artifacts', 'aliases', 'moves', 'versions', 'locks', 'deletions', 'uses'] as const;
export type RootName = (typeof ROOTS)[number];

export function root<T = unknown>(doc: Y.Doc, name: RootName): Y.Map<T> {
	return doc.getMap<T>(name);
}

// ---------- runs ----------

/** Run fields stored as plain last-writer-wins values (everything but tags, notes, summaries). */
export const RUN_SCALAR_FIELDS = [
	'projectId', 'name', 'status', 'startedAt', 'endedAt', 'heartbeatAt', 'author', 'params', 'data', 'env',
	'parentRunId', 'reproducesRunId', 'strictSplits'
] as const satisfies readonly (keyof RunRecord)[];

/** Builds the Y.Map of a new run; call inside a transaction and set it into `runs`. */
export function newRunMap(run: RunRecord): Y.Map<unknown> {
	const map = new Y.Map<unknown>();
	for (const field of RUN_SCALAR_FIELDS) map.set(field, structuredCloneJson(run[field]));
	const tags = new Y.Map<true>();
	for (const t of run.tags) tags.set(`${t}${SEP}new`, true);
	map.set('tags', tags);
	map.set('notes', new Y.Text(run.notes));
	const summaries = new Y.Map<MetricSummary>();
	for (const [k, s] of Object.entries(run.summaries)) summaries.set(k, { ...s });
	map.set('summaries', summaries);
	return map;
}

/** Writes only what changed from `before` to `after` into an existing run map. */
export function applyRunDiff(map: Y.Map<unknown>, before: RunRecord, after: RunRecord): void {
	for (const field of RUN_SCALAR_FIELDS)
		if (!sameJson(before[field], after[field])) map.set(field, structuredCloneJson(after[field]));
	// Tags are an observed-remove set: each add is its own key `${tag}␟${writer}`, and a removal
	// deletes the keys of that tag its writer has seen, so an add made apart from the removal
	// survives it. (With one key per tag, two adds made apart merge into one last-writer-wins
	// entry, and removing the winning one also took away the add its remover never saw.)
	const tags = map.get('tags') as Y.Map<true>;
	const was = new Set(before.tags);
	const now = new Set(after.tags);
	for (const key of [...tags.keys()]) {
		const t = tagOfKey(key);
		if (was.has(t) && !now.has(t)) tags.delete(key);
	}
	for (const t of now) if (!was.has(t)) tags.set(`${t}${SEP}${map.doc ? writeId(map.doc) : 'new'}`, true);
	if (before.notes !== after.notes) applyTextDiff(map.get('notes') as Y.Text, before.notes, after.notes);
	const summaries = map.get('summaries') as Y.Map<MetricSummary>;
	for (const [k, s] of Object.entries(after.summaries))
		if (!sameJson(before.summaries[k], s)) summaries.set(k, { ...s });
}

/** The tag a key of a run's `tags` map adds (a key without ␟ is the whole tag). */
function tagOfKey(key: string): string {
	const at = key.indexOf(SEP);
	return at < 0 ? key : key.slice(0, at);
}

/** Reads a run map back into a record (the projection's shape). */
export function readRun(id: string, map: Y.Map<unknown>): RunRecord {
	const run = { id } as Record<string, unknown>;
	for (const field of RUN_SCALAR_FIELDS) run[field] = map.get(field) ?? null;
	const tags = map.get('tags');
	run.tags = tags instanceof Y.Map ? [...new Set([...tags.keys()].map(tagOfKey))].sort() : [];
	const notes = map.get('notes');
	run.notes = notes instanceof Y.Text ? notes.toString() : '';
	const summaries = map.get('summaries');
	run.summaries = summaries instanceof Y.Map ? Object.fromEntries(summaries.entries()) : {};
	return run as unknown as RunRecord;
}

/**
 * Applies the caller's edit `before` → `after` as a change of the text's changed
 * middle, so a concurrent edit elsewhere in the note survives (a whole-text
 * replace would make one writer's edit vanish).
 *
 * `before` is what the caller read from the projection, and the document may
 * have moved on since (a teammate's edit received but not yet projected). So
 * the edit is taken from `before` → `after` — diffing the current text against
 * `after` would undo that teammate's edit — and its positions are carried over
 * the teammate's change. Where the two overlap, none of the teammate's text is
 * deleted, and an edit that starts inside the stretch they changed goes after
 * it (the prefix/suffix comparison sees several remote edits as one stretch, so
 * an edit between two of them lands after the second).
 */
export function applyTextDiff(text: Y.Text, before: string, after: string): void {
	const mine = changedMiddle(before, after);
	if (mine.end === mine.start && mine.inserted === '') return;
	const current = text.toString();
	const theirs = changedMiddle(before, current);
	const theirsEnd = theirs.start + theirs.inserted.length;
	const at = (i: number, side: 'from' | 'to') =>
		i <= theirs.start ? i : i >= theirs.end ? i + current.length - before.length : side === 'from' ? theirsEnd : theirs.start;
	const from = at(mine.start, 'from');
	const to = Math.max(from, at(mine.end, 'to'));
	if (theirsEnd > theirs.start && from <= theirs.start && theirsEnd <= to) {
		// Their text lies inside the stretch this edit deletes: delete around it.
		if (to > theirsEnd) text.delete(theirsEnd, to - theirsEnd);
		if (theirs.start > from) text.delete(from, theirs.start - from);
	} else if (to > from) text.delete(from, to - from);
	if (mine.inserted) text.insert(from, mine.inserted);
}

/** `a` and `b` share a prefix and a suffix; `a[start, end)` became `inserted`. */
function changedMiddle(a: string, b: string): { start: number; end: number; inserted: string } {
	let start = 0;
	while (start < a.length && start < b.length && a[start] === b[start]) start++;
	let endA = a.length;
	let endB = b.length;
	while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
		endA--;
		endB--;
	}
	return { start, end: endA, inserted: b.slice(start, endB) };
}

// ---------- projects ----------

export const PROJECT_FIELDS = ['name', 'createdAt', 'namingTemplate', 'description'] as const satisfies readonly (keyof ProjectRecord)[];

export function newProjectMap(project: ProjectRecord): Y.Map<unknown> {
	const map = new Y.Map<unknown>();
	for (const f of PROJECT_FIELDS) map.set(f, project[f]);
	return map;
}

export function readProject(id: string, map: Y.Map<unknown>): ProjectRecord {
	const p = { id } as Record<string, unknown>;
	for (const f of PROJECT_FIELDS) p[f] = map.get(f);
	return p as unknown as ProjectRecord;
}

// ---------- metric series ----------

export interface SeriesEntry {
	hash: string;
	points: number;
	firstStep: number;
	lastStep: number;
}

export interface TailEntry {
	seq: number;
	/** The tail's Float64Array bytes (column-packed, core/metric-chunks.ts). */
	data: Uint8Array;
}

export function seriesEntryKey(runId: string, series: string, seq: number): string {
	return `${runId}${SEP}${series}${SEP}${seq}`;
}

export function tailKey(runId: string, series: string): string {
	return `${runId}${SEP}${series}`;
}

export function splitKey(key: string): string[] {
	return key.split(SEP);
}

// ---------- artifacts ----------

export interface AliasTarget {
	/** versions-map key of the version the alias points at. */
	key: string;
	at: number;
	by: string;
}

export interface AliasMoveEntry {
	alias: string;
	fromKey: string | null;
	toKey: string | null;
	at: number;
	by: string;
	reason?: string;
}

export interface VersionDeletion {
	by: string;
	at: number;
}

/** The immutable part of a version as stored in the document (final number and id come from the projection). */
export type VersionBody = Omit<ArtifactVersion, 'id' | 'version' | 'locked' | 'key'>;

export function versionKey(artifactIdValue: string, contentDigest: string): string {
	return `${artifactIdValue}@${contentDigest}`;
}

export function newArtifactMap(projectId: string, name: string, kind: ArtifactKind, createdAt: number): Y.Map<unknown> {
	const map = new Y.Map<unknown>();
	map.set('projectId', projectId);
	map.set('name', name);
	map.set('kind', kind);
	map.set('createdAt', createdAt);
	return map;
}

export function newVersionMap(body: VersionBody, proposed: number): Y.Map<unknown> {
	const map = new Y.Map<unknown>();
	map.set('record', structuredCloneJson(body));
	map.set('proposed', proposed);
	return map;
}

/** The artifact a composite `aliases` or `moves` key belongs to. */
export function artifactOfEntryKey(key: string): string {
	return key.slice(0, key.indexOf(SEP));
}

export function aliasKey(artifactIdValue: string, alias: string): string {
	return `${artifactIdValue}${SEP}${alias}`;
}

/** Records an alias move under a key of its own (writeId), so concurrent moves never share one. */
export function addMove(doc: Y.Doc, artifactIdValue: string, move: AliasMoveEntry): void {
	root<AliasMoveEntry>(doc, 'moves').set(`${artifactIdValue}${SEP}${writeId(doc)}`, move);
}

/** An artifact's aliases, by alias. */
export function readAliases(doc: Y.Doc, artifactIdValue: string): Map<string, AliasTarget> {
	const out = new Map<string, AliasTarget>();
	for (const [key, target] of root<AliasTarget>(doc, 'aliases')) if (artifactOfEntryKey(key) === artifactIdValue) out.set(key.slice(artifactIdValue.length + 1), target);
	return out;
}

/** An artifact's alias moves, oldest first: by time, then by key, so every device lists them in one order. */
export function readMoves(doc: Y.Doc, artifactIdValue: string): AliasMoveEntry[] {
	return [...root<AliasMoveEntry>(doc, 'moves')]
		.filter(([key]) => artifactOfEntryKey(key) === artifactIdValue)
		.sort(([ka, a], [kb, b]) => a.at - b.at || (ka < kb ? -1 : ka > kb ? 1 : 0))
		.map(([, move]) => move);
}

export interface VersionState {
	key: string;
	body: VersionBody;
	proposed: number;
	locked: LockState | null;
	deleted: VersionDeletion | null;
}

export function readVersion(doc: Y.Doc, key: string, map: Y.Map<unknown>): VersionState {
	return {
		key,
		body: map.get('record') as VersionBody,
		proposed: map.get('proposed') as number,
		locked: root<LockState | null>(doc, 'locks').get(key) ?? null,
		deleted: root<VersionDeletion>(doc, 'deletions').get(key) ?? null
	};
}

/** Deleted unless locked: a deletion made apart from a lock leaves the version (and unlocking clears it, shared-doc.ts). */
export function isDeleted(version: VersionState): boolean {
	return version.deleted !== null && version.locked === null;
}

/**
 * Final version numbers of one artifact's versions (see the header): ordered by
 * (proposed, createdAt, key); each gets max(proposed, previous + 1).
 */
export function assignVersionNumbers(versions: readonly VersionState[]): Map<string, number> {
	const sorted = [...versions].sort(
		(a, b) => a.proposed - b.proposed || a.body.createdAt - b.body.createdAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
	);
	const out = new Map<string, number>();
	let previous = 0;
	for (const v of sorted) {
		previous = Math.max(v.proposed, previous + 1);
		out.set(v.key, previous);
	}
	return out;
}

export function useKey(runId: string, versionKeyValue: string): string {
	return `${runId}${SEP}${versionKeyValue}`;
}

export type UseEntry = Omit<ArtifactUse, 'versionId'> & { versionKey: string };

// ---------- members ----------

export function readMembers(doc: Y.Doc): MemberRecord[] {
	return [...root<MemberRecord>(doc, 'members').values()].sort((a, b) => a.joinedAt - b.joinedAt);
}

// ---------- chunk references ----------

/** Every chunk hash the document references: what an always-on peer must hold to serve the workspace. */
export function referencedChunks(doc: Y.Doc): { metric: Set<string>; artifact: Set<string> } {
	const metric = new Set<string>();
	for (const entry of root<SeriesEntry>(doc, 'series').values()) metric.add(entry.hash);
	const artifact = new Set<string>();
	for (const [key, map] of root<Y.Map<unknown>>(doc, 'versions')) {
		const v = readVersion(doc, key, map);
		if (isDeleted(v)) continue;
		for (const f of v.body.files) if (!isExternal(f)) for (const h of f.chunks) artifact.add(h);
	}
	return { metric, artifact };
}

// ---------- helpers ----------

/**
 * A key part no other write shares: this document's Yjs client id and its
 * clock, which every item written advances. The clock is padded so that one
 * writer's keys sort in the order they were written.
 */
function writeId(doc: Y.Doc): string {
	return `${doc.clientID}-${String(Y.getState(doc.store, doc.clientID)).padStart(12, '0')}`;
}

function sameJson(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
	return JSON.stringify(a) === JSON.stringify(b);
}

/** Yjs stores plain values by structure; a copy keeps later caller mutations out of the document. */
function structuredCloneJson<T>(value: T): T {
	return value === undefined ? (null as T) : value === null || typeof value !== 'object' ? value : structuredClone(value);
}
