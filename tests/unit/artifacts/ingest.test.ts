/**
 * The ingest pipeline (workers/ingest-core.ts) and its streamed SHA-256
 * (workers/sha256-wasm.ts, both the SIMD and the scalar module), checked
 * against node:crypto. Seeded fuzz over sizes around chunk and piece
 * boundaries, the three source kinds, with and without
 * the file-digest cache; seeds are printed — pin failing ones in PINNED_SEEDS.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ARTIFACT_CHUNK_BYTES, EMPTY_SHA256 } from '$lib/core/artifacts';
import { openDb, type CairnDb } from '$lib/store/db';
import {
	FILE_DIGESTS_TABLE,
	hashBytes,
	IngestCancelledError,
	ingestBytes,
	inlineHasher,
	scanChunks as defaultScan,
	type ChunkScanner,
	type CreateHasher,
	StorageQuotaError,
	type IngestResult,
	type IngestSource,
	type StreamHasher
} from '$lib/workers/ingest-core';
import { inProcessIngest, IngestPool, IngestWorkerError, ProgressMeter } from '$lib/workers/ingest-pool';
import { createSha256 } from '$lib/workers/sha256-wasm';
import { remoteBytesOf, rng } from '../helpers';

const CHUNK = 1024;
const PINNED_SEEDS = [1, 2024];
const RANDOM_SEEDS = Array.from({ length: 3 }, () => Math.floor(Math.random() * 2 ** 31));

let dbCounter = 0;
/** A fresh database; `digests` adds the optional fileDigests table (the file-digest cache). */
function freshDb(digests = false): CairnDb {
	const db = openDb(`ingest-test-${process.pid}-${++dbCounter}`);
	if (digests) db.version(3).stores({ [FILE_DIGESTS_TABLE]: 'key' });
	return db;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function randomBytes(rand: () => number, n: number): Uint8Array<ArrayBuffer> {
	const out = new Uint8Array(n);
	for (let i = 0; i < n; i++) out[i] = Math.floor(rand() * 256);
	return out;
}

type SourceKind = 'blob' | 'arraybuffer' | 'view' | 'remote';
const SOURCE_KINDS = ['blob', 'arraybuffer', 'view', 'remote'] as const;
/** The same bytes as a Blob, a fresh ArrayBuffer, a Uint8Array view at an offset into a bigger buffer, or RemoteBytes (held by the page). */
function asSource(bytes: Uint8Array, kind: SourceKind): IngestSource {
	if (kind === 'blob') return new Blob([bytes.slice()]);
	if (kind === 'remote') return remoteBytesOf(bytes.slice());
	if (kind === 'arraybuffer') return bytes.slice().buffer;
	const padded = new Uint8Array(bytes.length + 7);
	padded.set(bytes, 3);
	return padded.subarray(3, 3 + bytes.length);
}

/** Everything a correct ingest of `bytes` implies, checked against node:crypto and the store. */
async function expectIngested(db: CairnDb, bytes: Uint8Array, result: IngestResult, chunkBytes: number, context: string) {
	expect(result.size, context).toBe(bytes.length);
	expect(result.sha256, context).toBe(sha256(bytes));
	const expected: string[] = [];
	for (let at = 0; at < bytes.length; at += chunkBytes) expected.push(sha256(bytes.subarray(at, at + chunkBytes)));
	expect(result.chunks, context).toEqual(expected);
	for (const [i, hash] of expected.entries()) {
		const row = await db.blobChunks.get(hash);
		expect(row, `${context}: chunk ${i} stored`).toBeDefined();
		const slice = bytes.subarray(i * chunkBytes, (i + 1) * chunkBytes);
		expect(row?.size, context).toBe(slice.length);
		expect(sha256(new Uint8Array(await row!.data.arrayBuffer())), `${context}: chunk ${i} bytes`).toBe(hash);
	}
}

/**
 * Like the worker's hashing thread: takes owned buffers away (detaches them, as
 * a transfer does), so any later use of a piece's bytes by the pipeline shows,
 * and gives them back spent — scribbled over, so a pipeline that read a buffer
 * after recycling it would hash or store garbage.
 */
const detachingHasher: CreateHasher = async (recycle) => {
	const sha = await createSha256();
	return {
		update(bytes, owned) {
			if (!owned) return void sha.update(bytes);
			const { byteOffset, byteLength } = bytes;
			const moved = structuredClone(bytes.buffer, { transfer: [bytes.buffer] });
			expect(bytes.byteLength, 'the pipeline handed over a buffer it still uses').toBe(0);
			sha.update(new Uint8Array(moved, byteOffset, byteLength));
			// Back later, as from another thread.
			setTimeout(() => {
				new Uint8Array(moved).fill(0xa5);
				recycle?.(moved as ArrayBuffer);
			}, 0);
		},
		digest: async () => sha.digest()
	};
};

/** Sizes that matter: empty, one byte, exact multiples of the chunk and piece sizes and ±1 around them, and random ones. */
function pickSize(rand: () => number, pieceBytes: number): number {
	const k = 1 + Math.floor(rand() * 6);
	const options = [0, 1, 2, CHUNK - 1, CHUNK, CHUNK + 1, k * CHUNK - 1, k * CHUNK, k * CHUNK + 1, pieceBytes, pieceBytes + 1, pieceBytes * 2 - 1];
	return rand() < 0.7 ? (options[Math.floor(rand() * options.length)] ?? 0) : Math.floor(rand() * 12 * CHUNK);
}

describe.each([
	{ variant: 'SIMD', simd: true },
	{ variant: 'scalar', simd: false }
])('sha256-wasm ($variant schedule)', ({ simd }) => {
	it('matches node:crypto at every padding boundary and for any split of the input', async () => {
		const sha = await createSha256({ simd });
		const rand = rng(99);
		for (let n = 0; n <= 200; n++) {
			const bytes = randomBytes(rand, n);
			expect(sha.init().update(bytes).digest(), `${n} bytes`).toBe(sha256(bytes));
		}
		for (let round = 0; round < 30; round++) {
			const bytes = randomBytes(rand, Math.floor(rand() * 10_000));
			sha.init();
			for (let at = 0; at < bytes.length; ) {
				const step = Math.floor(rand() * 300);
				sha.update(bytes.subarray(at, at + step));
				at += step;
			}
			expect(sha.digest()).toBe(sha256(bytes));
		}
	});

	it('hashes inputs larger than its 4 MiB input area', async () => {
		const bytes = randomBytes(rng(5), ARTIFACT_CHUNK_BYTES * 2 + 100);
		const sha = await createSha256({ simd });
		expect(sha.update(bytes).digest()).toBe(sha256(bytes));
		// digest() leaves it ready for the next file.
		expect(sha.update(bytes.subarray(0, 10)).digest()).toBe(sha256(bytes.subarray(0, 10)));
	});
});

describe('ingestBytes fuzz', () => {
	for (const seed of [...PINNED_SEEDS, ...RANDOM_SEEDS]) {
		it(`seed ${seed}: hashes, chunk rows and dedup are right for random sizes and sources`, async () => {
			console.log(`ingest fuzz seed ${seed}`);
			const rand = rng(seed);
			for (let round = 0; round < 25; round++) {
				const withCache = rand() < 0.5;
				const db = freshDb(withCache);
				const pieceBytes = CHUNK * (1 + Math.floor(rand() * 4));
				const size = pickSize(rand, pieceBytes);
				const kind = SOURCE_KINDS[Math.floor(rand() * SOURCE_KINDS.length)] ?? 'blob';
				const bytes = randomBytes(rand, size);
				const createHasher = rand() < 0.5 ? detachingHasher : undefined;
				const context = `seed ${seed} round ${round}: ${size} bytes, ${kind}, piece ${pieceBytes}, cache ${withCache}, detaching ${createHasher !== undefined}`;
				const progress: number[] = [];
				const deps = { db, now: () => 1000, chunkBytes: CHUNK, pieceBytes, createHasher, onProgress: (n: number) => progress.push(n) };

				const first = await ingestBytes(asSource(bytes, kind), deps);
				await expectIngested(db, bytes, first, CHUNK, context);
				expect(first.newChunks, context).toBe(new Set(first.chunks).size);
				expect(first.newBytes, context).toBe(size);
				expect(progress.at(-1), context).toBe(size);
				expect(progress, `${context}: progress is monotonic`).toEqual([...progress].sort((a, b) => a - b));
				if (size === 0) expect(first.sha256).toBe(EMPTY_SHA256);

				// The same bytes again (another source kind): nothing new is written.
				const again = await ingestBytes(asSource(bytes, kind === 'blob' ? 'view' : 'blob'), deps);
				expect(again, context).toEqual({ ...first, newChunks: 0, newBytes: 0 });

				// A file sharing this one's whole chunks as a prefix: only the tail is new.
				const whole = Math.floor(size / CHUNK) * CHUNK;
				const tail = randomBytes(rand, 1 + Math.floor(rand() * 3 * CHUNK));
				const extended = new Uint8Array(whole + tail.length);
				extended.set(bytes.subarray(0, whole));
				extended.set(tail, whole);
				const shared = await ingestBytes(asSource(extended, kind), deps);
				await expectIngested(db, extended, shared, CHUNK, `${context} (shared prefix)`);
				expect(shared.chunks.slice(0, whole / CHUNK), context).toEqual(first.chunks.slice(0, whole / CHUNK));
				const known = new Set(first.chunks);
				const fresh = new Set(shared.chunks.filter((h) => !known.has(h)));
				expect(shared.newChunks, context).toBe(fresh.size);
				db.close();
			}
		});
	}
});

describe('ingestBytes', () => {
	it('stores a file at the real 4 MiB chunk size', async () => {
		const db = freshDb();
		const bytes = randomBytes(rng(4), 2 * ARTIFACT_CHUNK_BYTES + 1);
		const result = await ingestBytes(new Blob([bytes]), { db, now: () => 1 });
		await expectIngested(db, bytes, result, ARTIFACT_CHUNK_BYTES, '8 MiB + 1');
		expect(result.chunks).toHaveLength(3);
		expect((await db.blobChunks.get(result.chunks[2]!))?.writtenAt).toBe(1);
	});

	it('writes a chunk that repeats inside one file once', async () => {
		const db = freshDb();
		const bytes = new Uint8Array(5 * CHUNK);
		const result = await ingestBytes(bytes, { db, now: () => 1, chunkBytes: CHUNK });
		await expectIngested(db, bytes, result, CHUNK, 'zeros');
		expect(result.newChunks).toBe(1);
		expect(result.newBytes).toBe(CHUNK);
		expect(await db.blobChunks.count()).toBe(1);
	});

	it('does not rewrite a chunk that is already stored', async () => {
		const db = freshDb();
		const bytes = randomBytes(rng(8), 3 * CHUNK);
		const first = await ingestBytes(bytes, { db, now: () => 1, chunkBytes: CHUNK });
		await ingestBytes(bytes, { db, now: () => 2, chunkBytes: CHUNK });
		for (const h of first.chunks) expect((await db.blobChunks.get(h))?.writtenAt).toBe(1);
	});

	it('skips the whole-file hash when the cache knows the chunk list, and hashes when it does not', async () => {
		const db = freshDb(true);
		const bytes = randomBytes(rng(9), 7 * CHUNK + 5);
		let hashers = 0;
		const counting = async (): Promise<StreamHasher> => {
			hashers++;
			const { inlineHasher } = await import('$lib/workers/ingest-core');
			return inlineHasher();
		};
		const deps = { db, now: () => 1, chunkBytes: CHUNK, pieceBytes: 2 * CHUNK, createHasher: counting };
		const first = await ingestBytes(new Blob([bytes]), deps);
		expect(hashers).toBe(1);
		expect(await ingestBytes(new Blob([bytes]), deps)).toEqual({ ...first, newChunks: 0, newBytes: 0 });
		expect(hashers, 'a re-logged file is not hashed again').toBe(1);

		// Every chunk stored but the cache lost: the file is hashed from the start.
		await db.table(FILE_DIGESTS_TABLE).clear();
		expect((await ingestBytes(new Blob([bytes]), deps)).sha256).toBe(sha256(bytes));
		expect(hashers).toBe(2);

		// A file resumed after its first chunks were stored: hashed from the start too.
		const longer = new Uint8Array(bytes.length + 3 * CHUNK);
		longer.set(bytes);
		const resumed = await ingestBytes(new Blob([longer]), deps);
		await expectIngested(db, longer, resumed, CHUNK, 'resumed');
		expect(hashers).toBe(3);
	});

	it('scans a re-logged file in two halves at once, and falls back to hashing it whole when a chunk is missing', async () => {
		const rand = rng(21);
		for (const size of [2 * CHUNK + 1, 9 * CHUNK, 17 * CHUNK + 3]) {
			const db = freshDb(true);
			const bytes = randomBytes(rand, size);
			const scans: [number, number][] = [];
			// Stands in for the worker's hashing thread: the second half, scanned beside the first.
			const scanChunks: ChunkScanner = (source, start, end, chunkBytes, pieceBytes, onPiece) => {
				scans.push([start, end]);
				return defaultScan(source, start, end, chunkBytes, pieceBytes, onPiece);
			};
			let hashers = 0;
			const counting = async (): Promise<StreamHasher> => (hashers++, inlineHasher());
			const progress: number[] = [];
			const deps = { db, now: () => 1, chunkBytes: CHUNK, pieceBytes: 2 * CHUNK, createHasher: counting, scanChunks, onProgress: (n: number) => progress.push(n) };
			const sequential = await ingestBytes(new Blob([bytes]), { ...deps, scanChunks: undefined, digestCache: null });
			await expectIngested(db, bytes, sequential, CHUNK, `${size}: first`);
			hashers = 0;

			// Every chunk stored, digest not cached yet: scanned, then hashed whole once.
			const miss = await ingestBytes(new Blob([bytes]), deps);
			expect(miss, `${size}: cache miss`).toEqual({ ...sequential, newChunks: 0, newBytes: 0 });
			expect(hashers, `${size}: cache miss hashes the file`).toBe(1);
			// After the first piece (2 chunks), the rest splits in two once it has two chunks.
			const rest = Math.ceil(size / CHUNK) - 2;
			expect(scans, `${size}: the second half went to the scanner`).toHaveLength(rest >= 2 ? 1 : 0);
			for (const [mid, end] of scans) {
				expect(end).toBe(size);
				expect(mid).toBe((2 + Math.ceil(rest / 2)) * CHUNK);
			}

			// Cached now: the same result from the scan alone, no whole-file hash.
			progress.length = 0;
			const hit = await ingestBytes(new Blob([bytes]), deps);
			expect(hit, `${size}: cache hit`).toEqual(miss);
			expect(hashers, `${size}: a cache hit hashes nothing`).toBe(1);
			expect(progress.at(-1)).toBe(size);
			expect(progress).toEqual([...progress].sort((a, b) => a - b));

			// The same first piece, a changed last chunk: the scan stops, the file is stored and hashed as it goes.
			const changed = bytes.slice();
			changed[size - 1] = (changed[size - 1]! + 1) % 256;
			progress.length = 0;
			const fresh = await ingestBytes(new Blob([changed]), deps);
			await expectIngested(db, changed, fresh, CHUNK, `${size}: changed tail`);
			expect(fresh.newChunks, `${size}: only the changed chunk is new`).toBe(1);
			expect(hashers).toBe(2);
			expect(progress.at(-1)).toBe(size);
			expect(progress, `${size}: progress stays monotonic across the fallback`).toEqual([...progress].sort((a, b) => a - b));
			db.close();
		}
	});

	it('returns the empty SHA-256 and no chunks for 0 bytes, from every source kind', async () => {
		const db = freshDb();
		for (const source of [new Blob([]), new ArrayBuffer(0), new Uint8Array(0)]) {
			expect(await ingestBytes(source, { db, now: () => 1 })).toEqual({ size: 0, sha256: EMPTY_SHA256, chunks: [], newChunks: 0, newBytes: 0 });
		}
		expect(await db.blobChunks.count()).toBe(0);
	});

	it('reads RemoteBytes twice for a chunk it stores (the hasher took the piece) and once when re-logged', async () => {
		const db = freshDb(true);
		const bytes = randomBytes(rng(31), 9 * CHUNK + 5);
		const deps = { db, now: () => 1, chunkBytes: CHUNK, pieceBytes: 2 * CHUNK, createHasher: detachingHasher };
		const remote = remoteBytesOf(bytes);
		const first = await ingestBytes(remote, deps);
		await expectIngested(db, bytes, first, CHUNK, 'remote');
		const total = (reads: number[]) => reads.reduce((a, b) => a + b, 0);
		expect(total(remote.reads)).toBe(2 * bytes.length);
		const again = remoteBytesOf(bytes);
		expect(await ingestBytes(again, deps)).toEqual({ ...first, newChunks: 0, newBytes: 0 });
		expect(total(again.reads)).toBe(bytes.length);
		db.close();
	});

	it('fails with the error a RemoteBytes read throws (the bytes changed on the page)', async () => {
		const db = freshDb();
		const bytes = randomBytes(rng(32), 6 * CHUNK);
		const remote = remoteBytesOf(bytes);
		const read = remote.read;
		const changed = new Error('changed');
		remote.read = (into, at, offset, length) => (offset >= 3 * CHUNK ? Promise.reject(changed) : read(into, at, offset, length));
		await expect(ingestBytes(remote, { db, now: () => 1, chunkBytes: CHUNK, pieceBytes: CHUNK, createHasher: detachingHasher })).rejects.toBe(changed);
		db.close();
	});

	it('stops with IngestCancelledError when the signal is aborted, keeping chunks already written', async () => {
		const db = freshDb();
		const bytes = randomBytes(rng(10), 80 * CHUNK);
		const signal = { aborted: false };
		const run = ingestBytes(new Blob([bytes]), {
			db,
			now: () => 1,
			chunkBytes: CHUNK,
			pieceBytes: 4 * CHUNK,
			signal,
			label: 'model.pt',
			onProgress: (n) => {
				// Writes trail the hashing by up to 4 pieces (16 chunks here): abort well past that.
				if (n >= 32 * CHUNK) signal.aborted = true;
			}
		});
		await expect(run).rejects.toBeInstanceOf(IngestCancelledError);
		await expect(run).rejects.toThrow(/model\.pt.*cancelled/);
		const stored = await db.blobChunks.count();
		expect(stored).toBeGreaterThan(0);
		expect(stored, 'stopped promptly').toBeLessThanOrEqual(40);
	});

	it('stops a re-logged file\'s scan with IngestCancelledError', async () => {
		const db = freshDb(true);
		const bytes = randomBytes(rng(22), 40 * CHUNK);
		const deps = { db, now: () => 1, chunkBytes: CHUNK, pieceBytes: 2 * CHUNK };
		await ingestBytes(new Blob([bytes]), deps);
		const signal = { aborted: false };
		const run = ingestBytes(new Blob([bytes]), { ...deps, signal, onProgress: (n) => void (n > 4 * CHUNK && (signal.aborted = true)) });
		await expect(run).rejects.toBeInstanceOf(IngestCancelledError);
	});

	it('rejects at once when the signal was aborted before it started', async () => {
		const db = freshDb();
		await expect(ingestBytes(new Uint8Array(10), { db, now: () => 1, signal: { aborted: true } })).rejects.toBeInstanceOf(IngestCancelledError);
		expect(await db.blobChunks.count()).toBe(0);
	});

	it('turns a quota failure into StorageQuotaError naming the file and the bytes still needed', async () => {
		for (const kind of ['blob', 'view'] as const) {
			const db = freshDb();
			const original = db.blobChunks.add.bind(db.blobChunks);
			let calls = 0;
			db.blobChunks.add = ((...args: Parameters<typeof original>) => {
				if (++calls > 3) return Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
				return original(...args);
			}) as typeof db.blobChunks.add;
			const bytes = randomBytes(rng(11), 10 * CHUNK);
			const run = ingestBytes(asSource(bytes, kind), { db, now: () => 1, chunkBytes: CHUNK, pieceBytes: 2 * CHUNK, label: 'weights.bin' });
			const error = await run.catch((e: unknown) => e);
			expect(error, kind).toBeInstanceOf(StorageQuotaError);
			const quota = error as StorageQuotaError;
			expect(quota.name).toBe('StorageQuotaError');
			expect(quota.fileSize).toBe(10 * CHUNK);
			expect(quota.bytesNeeded).toBe(7 * CHUNK);
			expect(quota.message).toMatch(/"weights\.bin" \(10 KiB\): about 7\.0 KiB more is needed/);
		}
	});

	it('passes other storage failures through unchanged', async () => {
		const db = freshDb();
		db.blobChunks.add = (() => Promise.reject(new Error('disk on fire'))) as unknown as typeof db.blobChunks.add;
		await expect(ingestBytes(new Uint8Array(3 * CHUNK).fill(1), { db, now: () => 1, chunkBytes: CHUNK })).rejects.toThrow('disk on fire');
	});

	it('rejects a nonsensical chunk size', async () => {
		await expect(ingestBytes(new Uint8Array(3), { db: freshDb(), now: () => 1, chunkBytes: 0 })).rejects.toThrow(/chunkBytes/);
	});
});

describe('hashBytes', () => {
	it('equals node:crypto one-shot and streamed, for Blobs and buffers', async () => {
		const rand = rng(12);
		for (const size of [0, 1, 63, 64, 65, 3 * CHUNK, 10 * CHUNK + 7]) {
			const bytes = randomBytes(rand, size);
			for (const oneShotMaxBytes of [0, 1 << 30]) {
				for (const kind of SOURCE_KINDS) {
					const progress: number[] = [];
					const result = await hashBytes(asSource(bytes, kind), { oneShotMaxBytes, pieceBytes: 2 * CHUNK, createHasher: detachingHasher, onProgress: (n) => progress.push(n) });
					expect(result, `${size} ${kind} ${oneShotMaxBytes}`).toEqual({ size, sha256: sha256(bytes) });
					if (size > 0) expect(progress.at(-1)).toBe(size);
				}
			}
		}
	});

	it('stops with IngestCancelledError', async () => {
		const signal = { aborted: false };
		const run = hashBytes(new Blob([new Uint8Array(20 * CHUNK)]), { oneShotMaxBytes: 0, pieceBytes: CHUNK, signal, onProgress: () => (signal.aborted = true) });
		await expect(run).rejects.toBeInstanceOf(IngestCancelledError);
	});
});

describe('inProcessIngest', () => {
	it('reports IngestProgress and honours an AbortSignal', async () => {
		const db = freshDb();
		const ingest = inProcessIngest(db);
		const bytes = randomBytes(rng(13), ARTIFACT_CHUNK_BYTES + 10);
		const seen: number[] = [];
		const result = await ingest(new Blob([bytes]), { label: 'a.bin', onProgress: (p) => seen.push(p.bytesDone) });
		expect(result.sha256).toBe(sha256(bytes));
		expect(seen.at(-1)).toBe(bytes.length);
		const controller = new AbortController();
		controller.abort();
		await expect(ingest(new Blob([bytes]), { signal: controller.signal })).rejects.toBeInstanceOf(IngestCancelledError);
	});
});

describe('ProgressMeter', () => {
	it('smooths the rate and estimates the time left', () => {
		let t = 0;
		const meter = new ProgressMeter(1000, () => t);
		t = 1000;
		expect(meter.update(100)).toEqual({ bytesDone: 100, bytesTotal: 1000, bytesPerSecond: 100, secondsLeft: 9 });
		t = 1100;
		// A burst (10× for 100 ms) moves the rate by about a tenth of the difference, not all of it.
		const burst = meter.update(200);
		expect(burst.bytesPerSecond).toBeGreaterThan(150);
		expect(burst.bytesPerSecond).toBeLessThan(300);
		t = 5000;
		expect(meter.update(1000).secondsLeft).toBe(0);
	});
});

describe('IngestPool', () => {
	/** A Worker that never answers and can be made to crash. */
	class FakeWorker extends EventTarget {
		terminated = false;
		postMessage() {}
		terminate() {
			this.terminated = true;
		}
		crash(message: string) {
			this.dispatchEvent(Object.assign(new Event('error', { cancelable: true }), { message }));
		}
	}

	it('rejects the job of a worker that crashes, then starts a fresh worker for the next job', async () => {
		const workers: FakeWorker[] = [];
		const pool = new IngestPool({ size: 1, createWorker: () => workers[workers.push(new FakeWorker()) - 1] as unknown as Worker });
		const first = pool.ingest(new Blob(['x']), { dbName: 'x', label: 'a.bin' });
		const second = pool.hash(new Blob(['y']));
		await Promise.resolve();
		expect(workers).toHaveLength(1);
		workers[0]!.crash('out of memory');
		await expect(first).rejects.toBeInstanceOf(IngestWorkerError);
		await expect(first).rejects.toThrow(/out of memory/);
		expect(workers[0]!.terminated).toBe(true);
		// The queued job moved to a new worker.
		await new Promise((r) => setTimeout(r, 0));
		expect(workers).toHaveLength(2);
		workers[1]!.crash('boom');
		await expect(second).rejects.toThrow(/boom/);
		pool.terminate();
	});

	it('rejects with IngestCancelledError when aborted, queued or running, and when terminated', async () => {
		const pool = new IngestPool({ size: 1, createWorker: () => new FakeWorker() as unknown as Worker });
		const controller = new AbortController();
		const running = pool.ingest(new Blob(['x']), { dbName: 'x', signal: controller.signal });
		const queued = pool.ingest(new Blob(['y']), { dbName: 'x', signal: controller.signal });
		const other = pool.hash(new Blob(['z']));
		controller.abort();
		await expect(running).rejects.toBeInstanceOf(IngestCancelledError);
		await expect(queued).rejects.toBeInstanceOf(IngestCancelledError);
		pool.terminate();
		await expect(other).rejects.toBeInstanceOf(IngestWorkerError);
		await expect(pool.hash(new Blob(['z']))).rejects.toThrow(/terminated/);
	});
});
