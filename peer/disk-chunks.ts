/**
 * Content-addressed chunks on disk, for the always-on peer: the same
 * ChunkStore the browser keeps in Dexie, laid out as
 *
 *   <dir>/chunks/<first 2 hex>/<sha256 hex>
 *
 * (256 fan-out directories keep each one small). Metric and artifact chunks
 * share the namespace: identical bytes have one name and are stored once
 * (principle 3), whatever kind they were asked for as.
 *
 * Writes go to a temp file in the same directory, are fsynced and renamed, so
 * a file under its final name is always complete. Reads verify the SHA-256
 * again: a file damaged on disk is deleted and reported, never served, and the
 * peer fetches it anew.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChunkKind, ChunkStore } from '$lib/sync/mesh-types';
import { isNotFound, writeFileAtomic } from './disk-doc';

export const CHUNKS_DIR = 'chunks';

/** Lowercase SHA-256 hex. Hashes come from peers and the shared doc: anything else could name a path outside the store. */
const HASH_PATTERN = /^[0-9a-f]{64}$/;
const TEMP_MARK = '.tmp-';

export function isChunkHash(hash: unknown): hash is string {
	return typeof hash === 'string' && HASH_PATTERN.test(hash);
}

/** Node's SHA-256 (≈ 1.2 GB/s here, several times hash-wasm): the same hex `sha256sum` prints. */
export function sha256HexSync(bytes: Uint8Array): string {
	return createHash('sha256').update(bytes).digest('hex');
}

export class ChunkHashMismatchError extends Error {
	override readonly name = 'ChunkHashMismatchError';
	constructor(
		readonly hash: string,
		readonly actual: string,
	) {
		super(`Refused to store chunk ${hash.slice(0, 12)}…: its bytes hash to ${actual.slice(0, 12)}….`);
	}
}

export interface DiskChunkStoreOptions {
	/** The peer's data directory; chunks go under `<dir>/chunks`. */
	dir: string;
	/** A stored chunk whose bytes no longer match its name (bit rot, a stray edit); it has been deleted. */
	onCorrupt?: (hash: string) => void;
}

export class DiskChunkStore implements ChunkStore {
	readonly #root: string;
	readonly #onCorrupt: (hash: string) => void;

	constructor(options: DiskChunkStoreOptions) {
		this.#root = join(options.dir, CHUNKS_DIR);
		this.#onCorrupt = options.onCorrupt ?? (() => {});
	}

	#pathOf(hash: string): string {
		return join(this.#root, hash.slice(0, 2), hash);
	}

	async get(hash: string, _kind?: ChunkKind): Promise<Uint8Array | undefined> {
		if (!isChunkHash(hash)) return undefined;
		let bytes: Uint8Array;
		try {
			bytes = new Uint8Array(await readFile(this.#pathOf(hash)));
		} catch (error) {
			if (isNotFound(error)) return undefined;
			throw error;
		}
		if (sha256HexSync(bytes) !== hash) {
			await rm(this.#pathOf(hash), { force: true });
			this.#onCorrupt(hash);
			return undefined;
		}
		return bytes;
	}

	/** Verifies the bytes again (the mesh already did; a second look is cheap next to a disk write). */
	async put(hash: string, bytes: Uint8Array, _kind?: ChunkKind): Promise<void> {
		if (!isChunkHash(hash)) throw new TypeError(`Not a chunk hash (64 lowercase hex digits): ${String(hash).slice(0, 80)}`);
		const actual = sha256HexSync(bytes);
		if (actual !== hash) throw new ChunkHashMismatchError(hash, actual);
		const dir = join(this.#root, hash.slice(0, 2));
		await mkdir(dir, { recursive: true, mode: 0o700 });
		// Same name, same bytes: renaming over an existing copy is harmless. Its temp name
		// (`.<hash>.tmp-<pid>-…`) carries TEMP_MARK, so a crash's leftover is swept below.
		await writeFileAtomic(dir, hash, bytes);
	}

	/** Whether a file of that name exists (not verified: get() does that). */
	async has(hash: string): Promise<boolean> {
		if (!isChunkHash(hash)) return false;
		try {
			await stat(this.#pathOf(hash));
			return true;
		} catch (error) {
			if (isNotFound(error)) return false;
			throw error;
		}
	}

	/**
	 * Every hash held, by name only. Also deletes temp files an earlier process
	 * left behind when it crashed (never complete chunks: those only ever appear
	 * under their name by rename); this process's own in-flight writes are kept.
	 */
	async list(): Promise<Set<string>> {
		const held = new Set<string>();
		let fans: string[];
		try {
			fans = await readdir(this.#root);
		} catch (error) {
			if (isNotFound(error)) return held;
			throw error;
		}
		for (const fan of fans) {
			if (!/^[0-9a-f]{2}$/.test(fan)) continue;
			for (const name of await readdir(join(this.#root, fan))) {
				if (name.includes(TEMP_MARK)) {
					if (!name.includes(`${TEMP_MARK}${process.pid}-`)) await rm(join(this.#root, fan, name), { force: true });
				} else if (isChunkHash(name) && name.startsWith(fan)) held.add(name);
			}
		}
		return held;
	}
}
