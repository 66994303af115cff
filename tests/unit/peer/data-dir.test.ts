import { readFile, stat, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newShareSecret, toBase64Url } from '$lib/sync/share-link';
import { LOCK_FILE, lockDataDir, PeerDataDirError, readWorkspaceFile, resolveWorkspace, WORKSPACE_FILE } from '../../../peer/data-dir';
import { removeTempDirs, tempDir } from './fixtures';

afterEach(removeTempDirs);

const DEFAULT = 'ws://127.0.0.1:4173/signal';

describe('workspace.json', () => {
	it('is written on the first run with mode 0600 and read back on later runs', async () => {
		const dir = await tempDir();
		const secret = newShareSecret();
		const first = await resolveWorkspace(dir, secret, [], DEFAULT, () => {});
		expect(first).toEqual({ secret, signalingUrls: [DEFAULT] });
		const path = join(dir, WORKSPACE_FILE);
		expect((await stat(path)).mode & 0o777).toBe(0o600);
		expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({
			format: 1,
			roomId: toBase64Url(secret.roomId),
			key: toBase64Url(secret.key),
			signalingUrls: [DEFAULT],
		});

		const later = await resolveWorkspace(dir, null, [], DEFAULT, () => {});
		expect(later).toEqual(first);
		// --signal replaces the stored list, which is then kept.
		await resolveWorkspace(dir, null, ['wss://a.example/signal'], DEFAULT, () => {});
		expect((await resolveWorkspace(dir, secret, [], DEFAULT, () => {})).signalingUrls).toEqual(['wss://a.example/signal']);
	});

	it('needs --join on the first run and refuses a second workspace in one directory', async () => {
		const dir = await tempDir();
		await expect(resolveWorkspace(dir, null, [], DEFAULT, () => {})).rejects.toThrow(/first run needs --join/);
		await resolveWorkspace(dir, newShareSecret(), [], DEFAULT, () => {});
		await expect(resolveWorkspace(dir, newShareSecret(), [], DEFAULT, () => {})).rejects.toThrow(PeerDataDirError);
	});

	it('tightens a readable workspace.json and reports a damaged one without printing its contents', async () => {
		const dir = await tempDir();
		const secret = newShareSecret();
		await resolveWorkspace(dir, secret, [], DEFAULT, () => {});
		const path = join(dir, WORKSPACE_FILE);
		await chmod(path, 0o644);
		const warnings: string[] = [];
		await resolveWorkspace(dir, null, [], DEFAULT, (w) => warnings.push(w));
		expect(warnings.join()).toMatch(/readable by other users/);
		expect((await stat(path)).mode & 0o777).toBe(0o600);

		const key = toBase64Url(secret.key);
		await writeFile(path, JSON.stringify({ format: 1, roomId: 'short', key, signalingUrls: [] }));
		const error = await readWorkspaceFile(dir).catch((e: unknown) => e as Error);
		expect(error).toBeInstanceOf(PeerDataDirError);
		expect((error as Error).message).toMatch(/damaged/);
		expect((error as Error).message).not.toContain(key);
	});
});

describe('peer.lock', () => {
	it('lets one peer use a directory at a time and takes over a dead one’s lock', async () => {
		const dir = await tempDir();
		const lock = await lockDataDir(dir);
		await expect(lockDataDir(dir)).rejects.toThrow(/already served by a peer in this process/);
		await lock.release();
		// The parent of this test process stands in for another live peer.
		await writeFile(join(dir, LOCK_FILE), `${process.ppid}\n`);
		await expect(lockDataDir(dir)).rejects.toThrow(new RegExp(`in use by another cairn-peer \\(pid ${process.ppid}\\)`));
		// A pid that cannot exist: a crashed peer's stale lock.
		await writeFile(join(dir, LOCK_FILE), '2147483646\n');
		const taken = await lockDataDir(dir);
		expect(await readFile(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
		await taken.release();
	});
});
