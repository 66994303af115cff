/**
 * Persists a workspace's Yjs document in a directory, for the always-on peer.
 * The document is the source of truth for shared team state (principle 4); on
 * the peer this directory is its only copy, so every update that reaches the
 * doc is made durable before long (principle 2: nothing acknowledged is lost).
 *
 *   doc.snapshot  Y.encodeStateAsUpdate(doc) at the last compaction; replaced atomically
 *                 (written to a temp file, fsynced, renamed, directory fsynced).
 *   doc.updates   append-only log of every update since, exactly as received:
 *                   [u32 LE length][u32 LE crc32 of the bytes][bytes]  per record.
 *                 Appends within WRITE_BATCH_MS are written with one write() and one
 *                 FileHandle.sync().
 *
 * Open = apply the snapshot, then every complete log record (Yjs updates are
 * idempotent and commutative, so a record that is also inside the snapshot does
 * no harm), then compact. A crash between the snapshot's rename and the log's
 * truncation therefore loses nothing either.
 *
 * Modelled on y-indexeddb (an update log plus a periodic merge, with its own
 * origin skipped), with files instead of IndexedDB.
 */
import { constants as fsConstants } from 'node:fs';
import { open, readdir, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import * as Y from 'yjs';

export const SNAPSHOT_FILE = 'doc.snapshot';
export const LOG_FILE = 'doc.updates';

/** Updates arriving within this window share one write and one fsync (sync traffic comes in bursts). */
export const WRITE_BATCH_MS = 50;

/**
 * Compact once the log is bigger than this AND bigger than the snapshot: the
 * second condition keeps compaction amortised-linear for large workspaces (a
 * 50 MB document is not rewritten after every 1 MiB of updates).
 */
export const COMPACT_MIN_LOG_BYTES = 1024 * 1024;

const RECORD_HEADER_BYTES = 8;

/** The origin of updates this module applies while loading; its own listener skips them (they are already on disk). */
export const DISK_ORIGIN = Symbol('cairn-peer-disk');

export interface DiskDocOptions {
	dir: string;
	doc: Y.Doc;
	/** Warnings worth telling the operator (a torn log record, a corrupt record). */
	warn?: (message: string) => void;
	/** Called once when a write fails (disk full, I/O error): from then on nothing more is persisted. */
	onFailure?: (error: unknown) => void;
	/** Log bytes that trigger compaction (tests lower it). */
	compactMinLogBytes?: number;
	batchMs?: number;
}

export interface LogReadResult {
	updates: Uint8Array[];
	/** Bytes of the file holding complete, intact records; anything after is dropped. */
	validBytes: number;
	/** Bytes after the last good record (a torn or corrupt tail), 0 normally. */
	droppedBytes: number;
	/** True when the bad part failed its checksum rather than just being short. */
	corrupt: boolean;
}

/** Splits a log file into records. Pure, so the torn-record rule is testable on its own. */
export function readLogRecords(bytes: Uint8Array): LogReadResult {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const updates: Uint8Array[] = [];
	let offset = 0;
	let corrupt = false;
	while (offset < bytes.length) {
		// A crash in the middle of an append leaves a trailing record that is shorter than
		// its header or its stated length. Such a record was never fsynced, so it was never
		// acknowledged to anyone: ignore it (and truncate it away on open) rather than fail.
		if (bytes.length - offset < RECORD_HEADER_BYTES) break;
		const length = view.getUint32(offset, true);
		const checksum = view.getUint32(offset + 4, true);
		const start = offset + RECORD_HEADER_BYTES;
		if (bytes.length - start < length) break;
		const update = bytes.subarray(start, start + length);
		// Some filesystems leave zeros or stale blocks after a crash instead of a short
		// file; the checksum catches those. Everything from a bad record on is dropped.
		if (crc32(update) !== checksum) {
			corrupt = true;
			break;
		}
		updates.push(update);
		offset = start + length;
	}
	return { updates, validBytes: offset, droppedBytes: bytes.length - offset, corrupt };
}

export function encodeLogRecords(updates: readonly Uint8Array[]): Uint8Array {
	const total = updates.reduce((sum, u) => sum + RECORD_HEADER_BYTES + u.length, 0);
	const out = new Uint8Array(total);
	const view = new DataView(out.buffer);
	let offset = 0;
	for (const u of updates) {
		view.setUint32(offset, u.length, true);
		view.setUint32(offset + 4, crc32(u), true);
		out.set(u, offset + RECORD_HEADER_BYTES);
		offset += RECORD_HEADER_BYTES + u.length;
	}
	return out;
}

/**
 * Opens (or creates) the document in `dir`, applies what is stored to `doc`,
 * compacts, and from then on appends every update of `doc` to the log.
 */
export class DiskDoc {
	readonly #dir: string;
	readonly #doc: Y.Doc;
	readonly #warn: (message: string) => void;
	readonly #onFailure: (error: unknown) => void;
	readonly #compactMinLogBytes: number;
	readonly #batchMs: number;
	#log: FileHandle | null = null;
	#logBytes = 0;
	#snapshotBytes = 0;
	#queue: Uint8Array[] = [];
	#timer: ReturnType<typeof setTimeout> | null = null;
	/** Every disk operation runs on this chain, one at a time, in order. */
	#chain: Promise<void> = Promise.resolve();
	#failure: unknown = null;
	#closed = false;
	readonly #onUpdate = (update: Uint8Array, origin: unknown): void => {
		if (origin === DISK_ORIGIN || this.#closed) return;
		this.#queue.push(update);
		this.#timer ??= setTimeout(() => {
			this.#timer = null;
			void this.flush().catch(() => {});
		}, this.#batchMs);
	};

	private constructor(options: DiskDocOptions) {
		this.#dir = options.dir;
		this.#doc = options.doc;
		this.#warn = options.warn ?? (() => {});
		this.#onFailure = options.onFailure ?? (() => {});
		this.#compactMinLogBytes = options.compactMinLogBytes ?? COMPACT_MIN_LOG_BYTES;
		this.#batchMs = options.batchMs ?? WRITE_BATCH_MS;
	}

	static async open(options: DiskDocOptions): Promise<DiskDoc> {
		const disk = new DiskDoc(options);
		await disk.#load();
		return disk;
	}

	get logBytes(): number {
		return this.#logBytes;
	}

	async #load(): Promise<void> {
		await removeStaleTempFiles(this.#dir);
		const snapshot = await readIfExists(join(this.#dir, SNAPSHOT_FILE));
		const logBytes = await readIfExists(join(this.#dir, LOG_FILE));
		const log = readLogRecords(logBytes ?? new Uint8Array());
		if (log.droppedBytes > 0) {
			this.#warn(
				log.corrupt
					? `${LOG_FILE}: a record failed its checksum; dropped the last ${log.droppedBytes} bytes (teammates resend what is missing)`
					: `${LOG_FILE}: ignored an incomplete last record (${log.droppedBytes} bytes; the previous run stopped mid-write)`,
			);
		}
		Y.transact(
			this.#doc,
			() => {
				if (snapshot && snapshot.length > 0) Y.applyUpdate(this.#doc, snapshot, DISK_ORIGIN);
				for (const update of log.updates) Y.applyUpdate(this.#doc, update, DISK_ORIGIN);
			},
			DISK_ORIGIN,
		);
		this.#snapshotBytes = snapshot?.length ?? 0;
		this.#log = await open(join(this.#dir, LOG_FILE), fsConstants.O_CREAT | fsConstants.O_WRONLY | fsConstants.O_APPEND, 0o600);
		// Cut the bad tail off before appending, or new records would sit behind it and be unreadable.
		if (log.droppedBytes > 0) {
			await this.#log.truncate(log.validBytes);
			await this.#log.sync();
		}
		this.#logBytes = log.validBytes;
		// Start from a fresh snapshot: open stays fast however long the previous run was.
		if (this.#logBytes > 0 || !snapshot) await this.#compact();
		this.#doc.on('update', this.#onUpdate);
	}

	/** Resolves when every update seen so far is on disk and fsynced. */
	flush(): Promise<void> {
		if (this.#timer) {
			clearTimeout(this.#timer);
			this.#timer = null;
		}
		return this.#enqueue(async () => {
			const batch = this.#queue;
			if (batch.length === 0 || !this.#log) return;
			this.#queue = [];
			const bytes = encodeLogRecords(batch);
			await this.#log.write(bytes);
			await this.#log.sync();
			this.#logBytes += bytes.length;
			if (this.#logBytes > Math.max(this.#compactMinLogBytes, this.#snapshotBytes)) await this.#compact();
		});
	}

	/** Rewrites the snapshot from the document's current state and empties the log. */
	compact(): Promise<void> {
		return this.#enqueue(() => this.#compact());
	}

	async #compact(): Promise<void> {
		if (!this.#log) return;
		const state = Y.encodeStateAsUpdate(this.#doc);
		await writeFileAtomic(this.#dir, SNAPSHOT_FILE, state);
		// Only now is the log redundant. Updates still queued are appended after the
		// truncation (they are in the snapshot too, which is harmless).
		await this.#log.truncate(0);
		await this.#log.sync();
		this.#logBytes = 0;
		this.#snapshotBytes = state.length;
	}

	/** Stops listening, writes what is queued and closes the log. */
	async close(): Promise<void> {
		if (this.#closed) return;
		this.#doc.off('update', this.#onUpdate);
		await this.flush().catch(() => {});
		this.#closed = true;
		await this.#enqueue(async () => {
			await this.#log?.close();
			this.#log = null;
		});
	}

	#enqueue(task: () => Promise<void>): Promise<void> {
		const run = this.#chain.then(async () => {
			// After a failed write the file may hold a partial record: stop writing (the
			// next open truncates it) and report the first failure to every caller.
			if (this.#failure) throw this.#failure;
			try {
				await task();
			} catch (error) {
				this.#failure = error;
				this.#onFailure(error);
				throw error;
			}
		});
		this.#chain = run.catch(() => {});
		return run;
	}
}

async function readIfExists(path: string): Promise<Uint8Array | undefined> {
	try {
		return new Uint8Array(await readFile(path));
	} catch (error) {
		if (isNotFound(error)) return undefined;
		throw error;
	}
}

export function isNotFound(error: unknown): boolean {
	return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}

/**
 * Writes `dir/name` so that a crash leaves either the old file or the new one:
 * temp file in the same directory, fsync, rename over, fsync the directory (so
 * the rename itself survives a power cut).
 */
export async function writeFileAtomic(dir: string, name: string, bytes: Uint8Array | string, mode = 0o600): Promise<void> {
	const temp = join(dir, `.${name}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
	const handle = await open(temp, 'w', mode);
	try {
		await handle.writeFile(bytes);
		await handle.sync();
	} catch (error) {
		await handle.close();
		await rm(temp, { force: true });
		throw error;
	}
	await handle.close();
	await rename(temp, join(dir, name));
	await syncDir(dir);
}

/** Temp files of writeFileAtomic left by a crash before their rename: never the live copy. */
export async function removeStaleTempFiles(dir: string): Promise<void> {
	for (const name of await readdir(dir)) if (/^\..+\.tmp-/.test(name)) await rm(join(dir, name), { force: true });
}

export async function syncDir(dir: string): Promise<void> {
	const handle = await open(dir, 'r');
	try {
		await handle.sync();
	} finally {
		await handle.close();
	}
}
