/**
 * The always-on peer's kept encoding of the whole document (full-state-cache.ts):
 * newcomers get exactly what Y.encodeStateAsUpdate would give them, from the
 * cache while the document is unchanged; anyone who already has some of the
 * document gets the usual diff; and a mesh answers sync step 1 with it.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import { FULL_STATE_IDLE_MS, FullStateCache } from '$lib/sync/mesh/full-state-cache';
import { MeshWorld, waitFor } from './mesh-harness';

const world = new MeshWorld();
afterEach(async () => {
	vi.useRealTimers();
	await world.stopAll();
});

function docWith(entries: Record<string, string>, clientID?: number): Y.Doc {
	const doc = new Y.Doc();
	if (clientID !== undefined) doc.clientID = clientID;
	doc.transact(() => {
		for (const [k, v] of Object.entries(entries)) doc.getMap('runs').set(k, v);
	});
	return doc;
}

/** The runs map after applying a V2 update (what the cache gives by default), or V1 with `v1`. */
function contentAfter(update: Uint8Array, into = new Y.Doc(), v1 = false): Record<string, unknown> {
	if (v1) Y.applyUpdate(into, update);
	else Y.applyUpdateV2(into, update);
	return into.getMap('runs').toJSON();
}

describe('FullStateCache', () => {
	test('a newcomer (empty or only its own client) gets the whole document, from the cache while unchanged', () => {
		const doc = docWith({ a: '1', b: '2' });
		const cache = new FullStateCache(doc);
		const empty = Y.encodeStateVector(new Y.Doc());
		const first = cache.encode(empty);
		expect(contentAfter(first)).toEqual({ a: '1', b: '2' });
		expect(first).toEqual(Y.encodeStateAsUpdateV2(doc));
		// Same bytes object: served from the cache, not re-encoded.
		expect(cache.encode(empty)).toBe(first);
		// Asked in V1 (a y-protocols peer): the same document, converted once, then kept too.
		const v1 = cache.encode(empty, 'v1');
		expect(contentAfter(v1, new Y.Doc(), true)).toEqual({ a: '1', b: '2' });
		expect(cache.encode(empty, 'v1')).toBe(v1);
		const newcomer = docWith({ mine: 'x' }, 4242);
		expect(cache.encode(Y.encodeStateVector(newcomer))).toBe(first);
		cache.destroy();
	});

	test('a peer that has part of the document gets only what it lacks', () => {
		const doc = docWith({ a: '1' });
		const other = new Y.Doc();
		Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
		doc.getMap('runs').set('b', '2');
		const cache = new FullStateCache(doc);
		const diff = cache.encode(Y.encodeStateVector(other), 'v1');
		expect(diff).toEqual(Y.encodeStateAsUpdate(doc, Y.encodeStateVector(other)));
		expect(diff.length).toBeLessThan(Y.encodeStateAsUpdate(doc).length);
		expect(contentAfter(diff, other, true)).toEqual({ a: '1', b: '2' });
		cache.destroy();
	});

	test('built at start; a change makes it stale at once; rebuilt after the document has been quiet', () => {
		vi.useFakeTimers();
		const doc = docWith({ a: '1' });
		const cache = new FullStateCache(doc);
		// Built right after start (the timer's next turn), without the idle wait.
		expect(cache.warm).toBe(false);
		vi.advanceTimersByTime(0);
		expect(cache.warm).toBe(true);
		doc.getMap('runs').set('b', '2');
		expect(cache.warm).toBe(false);
		vi.advanceTimersByTime(FULL_STATE_IDLE_MS - 1);
		expect(cache.warm).toBe(false);
		// Asked while stale: encoded now, and it includes the change.
		expect(contentAfter(cache.encode(Y.encodeStateVector(new Y.Doc())))).toEqual({ a: '1', b: '2' });
		doc.getMap('runs').set('c', '3');
		vi.advanceTimersByTime(FULL_STATE_IDLE_MS);
		expect(cache.warm).toBe(true);
		expect(contentAfter(cache.encode(Y.encodeStateVector(new Y.Doc())))).toEqual({ a: '1', b: '2', c: '3' });
		cache.destroy();
		expect(vi.getTimerCount()).toBe(0);
	});
});

describe('a mesh with encodeStateAsUpdate', () => {
	test('answers a newcomer’s sync step 1 (asked in V2) with the host’s encoding', async () => {
		await world.startRelay();
		const key = await world.key();
		const roomHash = world.room();
		const source = docWith({ a: '1', b: '2' });
		const cache = new FullStateCache(source);
		const encode = vi.fn(cache.encode);
		world.peer({ key, roomHash, doc: source, encodeStateAsUpdate: encode });
		const newcomer = world.peer({ key, roomHash });
		await waitFor('the newcomer to receive the document', () => newcomer.doc.getMap('runs').size === 2);
		expect(newcomer.doc.getMap('runs').toJSON()).toEqual({ a: '1', b: '2' });
		expect(encode).toHaveBeenCalled();
		expect(encode.mock.calls.every(([, format]) => format === 'v2')).toBe(true);
		cache.destroy();
	});
});
