/**
 * The tar writer checked by the system's GNU tar: archives written from
 * tarParts() list with the right names and sizes (`tar -tvf`) and extract to the
 * same bytes (`tar -xf`), including 0-byte files, block boundaries, ustar prefix
 * splits, pax long paths and non-ASCII names; an export's SHA256SUMS passes
 * `sha256sum -c`. A seeded fuzz over random sizes and paths prints its seed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '$lib/core/ml/prng';
import { sha256sums, type StoredFile } from '$lib/core/artifacts';
import { paxRecord, splitUstarPath, TAR_BLOCK, TAR_MAX_OCTAL_SIZE, tarFileHeader, TarError, tarParts, tarSize, type TarEntry } from '$lib/core/tar';

const dirs: string[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
	const dir = mkdtempSync(join(tmpdir(), 'cairn-tar-'));
	dirs.push(dir);
	return dir;
}

const MTIME = Date.UTC(2025, 0, 2, 3, 4, 5);

function entry(path: string, bytes: Uint8Array): TarEntry<Uint8Array> {
	return { path, size: bytes.length, mtimeMs: MTIME, body: bytes };
}

function concat(parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}

/** Writes the archive, lists and extracts it with the system tar; returns the listing and the extraction dir. */
function roundTrip(entries: TarEntry<Uint8Array>[]) {
	const dir = tempDir();
	const archive = concat(tarParts(entries));
	expect(archive.length % TAR_BLOCK).toBe(0);
	expect(archive.length).toBe(tarSize(entries));
	const tarFile = join(dir, 'x.tar');
	writeFileSync(tarFile, archive);
	const listing = execFileSync('tar', ['-tvf', tarFile], { encoding: 'utf8' });
	const out = join(dir, 'out');
	execFileSync('mkdir', [out]);
	execFileSync('tar', ['-xf', tarFile, '-C', out]);
	return { listing, out, tarFile };
}

function bytes(n: number, seed = n): Uint8Array {
	const rand = mulberry32(seed);
	return Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
}

function sha256(data: Uint8Array): string {
	return createHash('sha256').update(data).digest('hex');
}

describe('tar writer, checked with GNU tar', () => {
	it('round-trips sizes around block boundaries, 0 bytes included', () => {
		const sizes = [0, 1, 511, 512, 513, 1024, 5000];
		const entries = sizes.map((n) => entry(`f${n}.bin`, bytes(n)));
		const { listing, out } = roundTrip(entries);
		for (const e of entries) {
			// tar -tv: "-rw-r--r-- cairn/cairn  <size> <date> <time> <name>"
			expect(listing).toMatch(new RegExp(`^-rw-r--r-- cairn/cairn\\s+${e.size} \\S+ \\S+ ${e.path}$`, 'm'));
			expect(new Uint8Array(readFileSync(join(out, e.path)))).toEqual(e.body);
		}
	});

	it('writes the modification time', () => {
		const utc = execFileSync('tar', ['-tvf', '-', '--utc'], { input: concat(tarParts([entry('a.txt', bytes(3))])), encoding: 'utf8' });
		expect(utc).toMatch(/ 2025-01-02 03:04 a\.txt$/m);
	});

	it('keeps nested paths, long paths (ustar prefix, then pax) and non-ASCII names', () => {
		const long100 = 'n'.repeat(100);
		const prefixed = `${'d'.repeat(150)}/${'f'.repeat(100)}`; // 251 bytes: prefix 150 + name 100
		const at255 = `${'p'.repeat(154)}/${'q'.repeat(100)}`; // exactly 255 bytes
		const paxLong = `${'deep/'.repeat(60)}weights.bin`; // 311 bytes
		const noSlash = 'x'.repeat(180); // > 100 bytes and no '/' to split at
		const unicode = 'données/модель/重み.pt';
		const paths = ['model/config.json', 'model/weights/part-0.bin', long100, prefixed, at255, paxLong, noSlash, unicode];
		expect(splitUstarPath(prefixed)).toEqual({ prefix: 'd'.repeat(150), name: 'f'.repeat(100) });
		expect(splitUstarPath(at255)).not.toBeNull();
		expect(splitUstarPath(paxLong)).toBeNull();
		expect(splitUstarPath(noSlash)).toBeNull();
		const entries = paths.map((p, i) => entry(p, bytes(100 + i * 37, i)));
		const { listing, out } = roundTrip(entries);
		for (const e of entries) {
			expect(listing).toContain(e.path);
			expect(new Uint8Array(readFileSync(join(out, e.path)))).toEqual(e.body);
		}
	});

	it('extracts an export whose SHA256SUMS passes `sha256sum -c`', () => {
		const data = [bytes(70_000, 1), bytes(0, 2), new TextEncoder().encode('a,b\n1,2\n')];
		const files: StoredFile[] = ['model.onnx', 'empty.txt', 'eval/table.csv'].map((path, i) => ({
			path,
			size: (data[i] as Uint8Array).length,
			sha256: sha256(data[i] as Uint8Array),
			chunks: [],
			mediaType: 'application/octet-stream'
		}));
		const sums = new TextEncoder().encode(sha256sums(files));
		const entries = [...files.map((f, i) => entry(f.path, data[i] as Uint8Array)), entry('SHA256SUMS', sums)];
		const { out } = roundTrip(entries);
		const check = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' });
		expect(check).toBe('model.onnx: OK\nempty.txt: OK\neval/table.csv: OK\n');
	});

	it('writes sizes past 8 GiB in base-256, which GNU tar reads', () => {
		const size = TAR_MAX_OCTAL_SIZE + 1 + 12345; // 8 GiB + 12345
		const header = tarFileHeader({ path: 'huge.bin', size, mtimeMs: MTIME });
		expect(header[124]).toBe(0x80);
		// Only the header: tar lists the member, then reports the missing data.
		const dir = tempDir();
		const file = join(dir, 'h.tar');
		writeFileSync(file, header);
		let listing = '';
		try {
			listing = execFileSync('tar', ['-tvf', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
		} catch (error) {
			listing = String((error as { stdout?: string }).stdout ?? '');
		}
		expect(listing).toMatch(new RegExp(`\\s${size} .*huge\\.bin`));
	});

	it('computes pax record lengths that count themselves', () => {
		for (const value of ['a', 'x'.repeat(89), 'x'.repeat(90), 'x'.repeat(990), 'é'.repeat(300)]) {
			const record = paxRecord('path', value);
			const length = Number(record.slice(0, record.indexOf(' ')));
			expect(new TextEncoder().encode(record).length).toBe(length);
		}
	});

	it('refuses what tar cannot hold, with a TarError that names the path', () => {
		const bad = ['', '/abs', 'a/../b', 'a//b', './a', `${'y'.repeat(5000)}`];
		for (const path of bad) expect(() => tarFileHeader({ path, size: 1, mtimeMs: MTIME }), path).toThrow(TarError);
		expect(() => tarFileHeader({ path: 'a', size: -1, mtimeMs: MTIME })).toThrow(/size -1/);
		expect(() => tarParts([entry('a', bytes(1)), entry('a', bytes(2))])).toThrow(/appears twice/);
	});

	const PINNED_SEEDS = [1];
	const RANDOM_SEED = Math.floor(Math.random() * 2 ** 31);
	for (const seed of [...PINNED_SEEDS, RANDOM_SEED]) {
		it(`seed ${seed}: random sizes and paths extract byte for byte`, () => {
			console.log(`tar fuzz seed ${seed}`);
			const rand = mulberry32(seed);
			const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
			const segment = () => Array.from({ length: 1 + Math.floor(rand() * 60) }, () => pick([...'abcxyz019_-.é漢'])).join('').replace(/^\.+/, 's');
			const used = new Set<string>();
			const entries: TarEntry<Uint8Array>[] = [];
			for (let i = 0; i < 12; i++) {
				const depth = Math.floor(rand() * 6);
				// Distinct top-level dir per file: no file can be another's parent directory.
				const path = [`e${i}`, ...Array.from({ length: depth }, segment)].join('/');
				if (used.has(path)) continue;
				used.add(path);
				const size = pick([0, 1, 511, 512, 513, 1023, 1024, 1025, Math.floor(rand() * 4000)]);
				entries.push(entry(path, bytes(size, seed * 31 + i)));
			}
			const { out } = roundTrip(entries);
			for (const e of entries) expect(new Uint8Array(readFileSync(join(out, e.path))), e.path).toEqual(e.body);
		});
	}
});
