/** ChunkFetcher on its own, with a scripted host: the in-flight cap, timeouts, retries and answers from the wrong peer. */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { sha256Hex } from '$lib/core/hash';
import { CHUNK_BYTES, ChunkFetcher, IN_FLIGHT_BYTES, MAX_IN_FLIGHT, REQUEST_TIMEOUT_MS, RETRY_MS } from '$lib/sync/mesh/chunk-fetcher';
import type { ChunkKind } from '$lib/sync/mesh-types';

afterEach(() => {
	vi.useRealTimers();
});

function scriptedHost(peers: string[]) {
	const requests: { peerId: string; reqId: number; hash: string; kind: ChunkKind }[] = [];
	const bad: { peerId: string; reason: string }[] = [];
	const stored = new Map<string, Uint8Array>();
	const fetcher = new ChunkFetcher({
		store: {
			get: async (hash) => stored.get(hash),
			put: async (hash, bytes) => void stored.set(hash, bytes)
		},
		peers: () => peers,
		request: (peerId, reqId, hash, kind) => requests.push({ peerId, reqId, hash, kind }),
		reportBadPeer: (peerId, reason) => bad.push({ peerId, reason }),
		changed: () => {},
		random: () => 0
	});
	return { fetcher, requests, bad, stored };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

async function chunk(text: string) {
	const bytes = new TextEncoder().encode(text);
	return { bytes, hash: await sha256Hex(bytes) };
}

describe('ChunkFetcher', () => {
	// Artifact chunks (4 MiB) are limited by the byte budget, metric chunks (96 KiB) by the count cap.
	test.each([
		['artifact', IN_FLIGHT_BYTES / CHUNK_BYTES.artifact],
		['metric', Math.min(MAX_IN_FLIGHT, Math.floor(IN_FLIGHT_BYTES / CHUNK_BYTES.metric))]
	] as const)('keeps at most the budgeted number of %s requests in flight (%i)', async (kind, cap) => {
		expect(cap).toBe(kind === 'artifact' ? 8 : 64);
		const total = cap + 12;
		const { fetcher, requests } = scriptedHost(['peer-one-123']);
		const chunks = await Promise.all(Array.from({ length: total }, (_, i) => chunk(`chunk ${i}`)));
		const fetches = chunks.map(({ hash }) => fetcher.fetch(hash, kind));
		await flush();
		expect(fetcher.pending).toBe(total);
		expect(requests).toHaveLength(cap);
		// Each answer frees a slot for the next chunk.
		for (let answered = 0; answered < total; answered++) {
			const request = requests[answered]!;
			const { bytes } = chunks.find((c) => c.hash === request.hash)!;
			fetcher.onData(request.peerId, request.reqId, request.hash, new Uint8Array(bytes));
			await vi.waitFor(() => expect(requests.length).toBe(Math.min(total, cap + answered + 1)), { interval: 1 });
		}
		const results = await Promise.all(fetches);
		expect(results.map((r) => new TextDecoder().decode(r))).toEqual(chunks.map((_, i) => `chunk ${i}`));
		expect(fetcher.pending).toBe(0);
	});

	// A first sync's projection keeps the local store busy: a chunk waiting to be stored must not hold
	// up the next request (metric chunks), yet its bytes still count against the memory budget (artifacts).
	test.each([
		['metric', MAX_IN_FLIGHT, 12],
		['artifact', IN_FLIGHT_BYTES / CHUNK_BYTES.artifact, 0]
	] as const)('answered %s chunks being stored free their request (not their bytes) for the next', async (kind, cap, nextWhileStoring) => {
		const requests: { peerId: string; reqId: number; hash: string }[] = [];
		const puts: (() => void)[] = [];
		const fetcher = new ChunkFetcher({
			store: { get: async () => undefined, put: () => new Promise<void>((resolve) => puts.push(resolve)) },
			peers: () => ['peer-one-123'],
			request: (peerId, reqId, hash) => requests.push({ peerId, reqId, hash }),
			reportBadPeer: () => {},
			changed: () => {},
			random: () => 0
		});
		const chunks = await Promise.all(Array.from({ length: cap + 12 }, (_, i) => chunk(`stored slowly ${i}`)));
		const fetches = chunks.map(({ hash }) => fetcher.fetch(hash, kind));
		await vi.waitFor(() => expect(requests).toHaveLength(cap), { interval: 1 });
		for (const request of requests.slice(0, cap)) fetcher.onData(request.peerId, request.reqId, request.hash, new Uint8Array(chunks.find((c) => c.hash === request.hash)!.bytes));
		await vi.waitFor(() => expect(puts).toHaveLength(cap), { interval: 1 });
		await flush();
		expect(requests).toHaveLength(cap + nextWhileStoring);
		// Stored: the budget frees and every chunk gets asked for and arrives.
		while (requests.length < cap + 12 || puts.length) {
			for (const release of puts.splice(0)) release();
			await flush();
			for (const request of requests.splice(0)) fetcher.onData(request.peerId, request.reqId, request.hash, new Uint8Array(chunks.find((c) => c.hash === request.hash)!.bytes));
			await flush();
			if (fetcher.pending === 0) break;
		}
		expect((await Promise.all(fetches)).map((r) => new TextDecoder().decode(r))).toEqual(chunks.map((_, i) => `stored slowly ${i}`));
	});

	test('a silent peer times out and the next is asked; everyone is asked again after RETRY_MS', async () => {
		vi.useFakeTimers();
		const { fetcher, requests } = scriptedHost(['peer-one-123', 'peer-two-456']);
		const { bytes, hash } = await chunk('slow');
		const result = fetcher.fetch(hash, 'artifact');
		await vi.waitFor(() => expect(requests).toHaveLength(1));
		vi.advanceTimersByTime(REQUEST_TIMEOUT_MS);
		expect(requests).toHaveLength(2);
		expect(new Set(requests.map((r) => r.peerId)).size).toBe(2);
		fetcher.onMissing(requests[1]!.peerId, requests[1]!.reqId);
		// Nobody left to ask: wait, then ask again.
		expect(requests).toHaveLength(2);
		vi.advanceTimersByTime(RETRY_MS);
		expect(requests).toHaveLength(3);
		const last = requests[2]!;
		fetcher.onData(last.peerId, last.reqId, hash, new Uint8Array(bytes));
		vi.useRealTimers();
		expect(await result).toEqual(bytes);
		fetcher.stop();
	});

	test('answers from a peer that was not asked are reported and ignored; late answers are ignored', async () => {
		const { fetcher, requests, bad } = scriptedHost(['peer-one-123', 'peer-two-456']);
		const { bytes, hash } = await chunk('asked of one');
		const result = fetcher.fetch(hash, 'metric');
		await vi.waitFor(() => expect(requests).toHaveLength(1));
		const asked = requests[0]!;
		const other = asked.peerId === 'peer-one-123' ? 'peer-two-456' : 'peer-one-123';
		fetcher.onData(other, asked.reqId, hash, new Uint8Array(bytes));
		expect(bad).toEqual([{ peerId: other, reason: `answered chunk request ${asked.reqId}, which was sent to another peer` }]);
		fetcher.onData(asked.peerId, 99999, hash, new Uint8Array(bytes));
		expect(bad).toHaveLength(1);
		fetcher.onData(asked.peerId, asked.reqId, hash, new Uint8Array(bytes));
		expect(await result).toEqual(bytes);
	});

	test('a peer leaving mid-request hands the request to the next peer', async () => {
		const peers = ['peer-one-123', 'peer-two-456'];
		const { fetcher, requests } = scriptedHost(peers);
		const { hash } = await chunk('handover');
		const result = fetcher.fetch(hash, 'metric');
		await vi.waitFor(() => expect(requests).toHaveLength(1));
		const gone = requests[0]!.peerId;
		peers.splice(peers.indexOf(gone), 1);
		fetcher.peerLeft(gone);
		expect(requests).toHaveLength(2);
		expect(requests[1]!.peerId).not.toBe(gone);
		fetcher.cancel(hash);
		await expect(result).rejects.toThrow(/cancelled/);
	});
});
