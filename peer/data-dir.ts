/**
 * The peer's data directory besides the document and chunks:
 *
 *   workspace.json  room id + AES-GCM key (base64url, as in a share link) and the
 *                   signaling URLs; mode 0600. It is what lets later runs omit
 *                   --join — and why the whole directory is a secret.
 *   peer.lock       the pid of the peer using the directory: two processes
 *                   appending to one update log would interleave records.
 */
import { chmod, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError } from '$lib/core/errors';
import { validateSignalingUrl } from '$lib/core/workspace';
import { parseShareLink, toBase64Url, type ShareSecret } from '$lib/sync/share-link';
import { isNotFound, writeFileAtomic } from './disk-doc';

export const WORKSPACE_FILE = 'workspace.json';
export const LOCK_FILE = 'peer.lock';
const WORKSPACE_FORMAT = 1;

export class PeerDataDirError extends CairnError {
	override readonly name: string = 'PeerDataDirError';
	constructor(why: string) {
		super('peer_data_dir', why);
	}
}

/** workspace.json as stored. */
export interface StoredWorkspace {
	format: typeof WORKSPACE_FORMAT;
	/** base64url, as in the share link */
	roomId: string;
	key: string;
	signalingUrls: string[];
}

export interface ResolvedWorkspace {
	secret: ShareSecret;
	signalingUrls: string[];
}

/** Creates the directory (owner-only) if missing. */
export async function ensureDataDir(dir: string): Promise<void> {
	await mkdir(dir, { recursive: true, mode: 0o700 });
}

export async function readWorkspaceFile(dir: string): Promise<{ workspace: ResolvedWorkspace; mode: number } | null> {
	const path = join(dir, WORKSPACE_FILE);
	let text: string;
	try {
		text = await readFile(path, 'utf8');
	} catch (error) {
		if (isNotFound(error)) return null;
		throw error;
	}
	const damaged = (why: string) =>
		new PeerDataDirError(`${path} is damaged (${why}). Restore it from a backup, or move it away and run again with --join '<share link>'.`);
	let raw: Partial<StoredWorkspace>;
	try {
		raw = JSON.parse(text) as Partial<StoredWorkspace>;
	} catch {
		throw damaged('not JSON');
	}
	if (raw.format !== WORKSPACE_FORMAT) throw damaged(`unknown format ${JSON.stringify(raw.format)}`);
	if (typeof raw.roomId !== 'string' || typeof raw.key !== 'string') throw damaged('roomId or key missing');
	let secret: ShareSecret;
	try {
		secret = parseShareLink(`#/join/${raw.roomId}.${raw.key}`);
	} catch {
		// Not the parser's message: it talks about share links and could invite pasting the key somewhere.
		throw damaged('roomId or key is not valid base64url of the right length');
	}
	if (!Array.isArray(raw.signalingUrls)) throw damaged('signalingUrls is not a list');
	let signalingUrls: string[];
	try {
		signalingUrls = raw.signalingUrls.map((url) => validateSignalingUrl(url));
	} catch (error) {
		throw damaged(error instanceof Error ? error.message : String(error));
	}
	const { mode } = await stat(path);
	return { workspace: { secret, signalingUrls }, mode: mode & 0o777 };
}

export async function writeWorkspaceFile(dir: string, workspace: ResolvedWorkspace): Promise<void> {
	const stored: StoredWorkspace = {
		format: WORKSPACE_FORMAT,
		roomId: toBase64Url(workspace.secret.roomId),
		key: toBase64Url(workspace.secret.key),
		signalingUrls: workspace.signalingUrls,
	};
	await writeFileAtomic(dir, WORKSPACE_FILE, JSON.stringify(stored, null, '\t') + '\n', 0o600);
	// open()'s mode is filtered by the umask; make sure it is exactly owner read/write.
	await chmod(join(dir, WORKSPACE_FILE), 0o600);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
	return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Which workspace the peer serves: the --join link on a first run, the stored
 * one afterwards (the same link again is fine; a different one is refused so
 * one directory never mixes two workspaces). --signal replaces the stored URLs.
 */
export async function resolveWorkspace(
	dir: string,
	joinSecret: ShareSecret | null,
	signalingUrls: readonly string[],
	defaultSignalingUrl: string,
	warn: (message: string) => void,
): Promise<ResolvedWorkspace> {
	const stored = await readWorkspaceFile(dir);
	if (stored && stored.mode & 0o077) {
		await chmod(join(dir, WORKSPACE_FILE), 0o600);
		warn(`${WORKSPACE_FILE} was readable by other users (mode ${stored.mode.toString(8)}); set it to 600. It holds the workspace key.`);
	}
	let secret: ShareSecret;
	if (joinSecret) {
		const { roomId, key } = stored?.workspace.secret ?? joinSecret;
		if (!sameBytes(roomId, joinSecret.roomId) || !sameBytes(key, joinSecret.key))
			throw new PeerDataDirError(
				`${dir} already holds a different workspace. Use another --data directory for this link, or omit --join to keep serving the stored one.`,
			);
		secret = joinSecret;
	} else if (stored) {
		secret = stored.workspace.secret;
	} else {
		throw new PeerDataDirError(`${dir} holds no workspace yet. The first run needs --join '<share link>'.`);
	}
	const urls = signalingUrls.length > 0 ? [...signalingUrls] : (stored?.workspace.signalingUrls ?? [defaultSignalingUrl]);
	const resolved = { secret, signalingUrls: urls.length > 0 ? urls : [defaultSignalingUrl] };
	const unchanged = stored && stored.workspace.signalingUrls.join('\n') === resolved.signalingUrls.join('\n');
	if (!unchanged) await writeWorkspaceFile(dir, resolved);
	return resolved;
}

export interface DirLock {
	release(): Promise<void>;
}

/** Takes `<dir>/peer.lock`, or fails naming the process that holds it. A lock left by a dead process is taken over. */
export async function lockDataDir(dir: string): Promise<DirLock> {
	const path = join(dir, LOCK_FILE);
	for (let attempt = 0; attempt < 2; attempt++) {
		try {
			const handle = await open(path, 'wx', 0o600);
			await handle.writeFile(`${process.pid}\n`);
			await handle.close();
			return { release: () => rm(path, { force: true }) };
		} catch (error) {
			if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
		}
		const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
		if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid))
			throw new PeerDataDirError(
				`${dir} is in use by another cairn-peer (pid ${pid}). Stop it first; if no such peer runs, delete ${path}.`,
			);
		if (pid === process.pid)
			throw new PeerDataDirError(`${dir} is already served by a peer in this process; stop it first.`);
		await rm(path, { force: true });
	}
	throw new PeerDataDirError(`Could not take ${path}; another peer may be starting in ${dir} right now.`);
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		// EPERM: it exists but belongs to someone else.
		return (error as { code?: unknown }).code === 'EPERM';
	}
}
