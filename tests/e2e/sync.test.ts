/**
 * Team sync between two separate Chromium processes (two profiles), through
 * the real signaling relay of scripts/serve.mjs and real WebRTC:
 * join by link; runs, metrics and an artifact (bytes verified) arrive; edits
 * made offline on both sides merge; a tampered chunk is rejected and its sender
 * reported; and the relay never sees a marker string logged in a run.
 * Then the always-on peer (the built `peer-dist/cairn-peer.mjs`): A logs and
 * closes, the peer stays (and restarts from its directory), B joins later and
 * receives everything from it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { cleanupProfiles, launchProfile, startApp, waitForServiceWorker, type App, type Profile, type RelayCapture } from './harness';

/** Logged into params, notes, metric keys and artifact bytes; must never cross the relay in the clear. */
const MARKER = 'CAIRN-PLAINTEXT-MARKER-4b1d';
const PROJECT = 'sync-e2e';
const PEER_BIN = fileURLToPath(new URL('../../peer-dist/cairn-peer.mjs', import.meta.url));

const captured: RelayCapture[] = [];
let app: App;

beforeAll(async () => {
	app = await startApp({ capture: (entry) => captured.push({ topic: entry.topic, payload: entry.payload.slice() }) });
});
afterAll(async () => {
	await app?.close();
	await cleanupProfiles();
});

async function openApp(profile: Profile, url = app.url): Promise<Page> {
	const page = await profile.context.newPage();
	await page.goto(url);
	await page.waitForFunction(() => 'cairn' in globalThis);
	return page;
}

/** Shares the current workspace through the UI and returns the link. */
async function share(page: Page): Promise<string> {
	await page.getByRole('button', { name: /Share/ }).click();
	const dialog = page.getByTestId('share-dialog');
	await dialog.waitFor();
	const link = await page.getByTestId('share-link').inputValue();
	await dialog.getByRole('button', { name: 'Done' }).click();
	return link;
}

/** Opens a share link in a profile and confirms the join, as a teammate does. */
async function joinByLink(profile: Profile, link: string, name: string, beforeJoin?: (page: Page) => Promise<void>): Promise<Page> {
	const page = await profile.context.newPage();
	await page.goto(link);
	await page.getByTestId('join-name').fill(name);
	await beforeJoin?.(page);
	await page.getByTestId('join-workspace').getByRole('button', { name: 'Join and switch' }).click();
	await page.getByTestId('workspace-switcher').filter({ hasText: name }).waitFor();
	await page.waitForFunction(() => 'cairn' in globalThis);
	return page;
}

function runsOf(page: Page, project = PROJECT) {
	return page.evaluate(async (p) => {
		const cairn = await (globalThis as any).cairn.getCairn();
		return ((await cairn.runs.listByProject(p)) as any[]).map((r) => ({ id: r.id, name: r.name, tags: r.tags, notes: r.notes, params: r.params, status: r.status }));
	}, project);
}

function seriesOf(page: Page, runId: string, series: string) {
	return page.evaluate(
		async ({ runId, series }) => {
			const cairn = await (globalThis as any).cairn.getCairn();
			const s = await cairn.metrics.readSeries(runId, series);
			return { steps: [...s.steps], values: [...s.values] };
		},
		{ runId, series }
	);
}

function syncStatus(page: Page) {
	return page.evaluate(async () => {
		const cairn = await (globalThis as any).cairn.getCairn();
		return JSON.parse(JSON.stringify(cairn.workspace.mesh?.status ?? null));
	});
}

/** Reads every file of the newest version of an artifact through the verified read path (fetching from peers as needed). */
function readArtifact(page: Page, name: string) {
	return page.evaluate(
		async ({ project, name }) => {
			const cairn = await (globalThis as any).cairn.getCairn();
			const version = await cairn.artifacts.resolve(project, name, 'latest');
			const out: { path: string; sha256: string; text: string; digest: string }[] = [];
			for (const file of version.files) {
				const bytes: Uint8Array<ArrayBuffer> = await cairn.bytes.head(version, file, Infinity);
				const digest = [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
				out.push({ path: file.path, sha256: file.sha256, text: new TextDecoder().decode(bytes), digest });
			}
			return { version: version.version, files: out };
		},
		{ project: PROJECT, name }
	);
}

describe('two browsers sync one workspace', () => {
	let a: Profile;
	let b: Profile;
	let pageA: Page;
	let pageB: Page;
	let runId: string;

	beforeAll(async () => {
		a = await launchProfile();
		b = await launchProfile();
	});
	afterAll(async () => {
		await a?.close();
		await b?.close();
	});

	it('joins by link and receives runs, metrics and an artifact whose bytes verify', async () => {
		pageA = await openApp(a);
		runId = await pageA.evaluate(
			async ({ project, marker }) => {
				const run = await (globalThis as any).cairn.startRun({ project, name: 'shared-run', params: { secret: marker, lr: 0.1 }, tags: ['base'], notes: `notes ${marker}` });
				for (let step = 0; step < 5000; step++) run.log({ loss: 1 / (step + 1) }, { step });
				run.log({ [`${marker}-acc`]: 0.9 }, { step: 1, split: 'val' });
				await run.logArtifact('model', `weights ${marker}`, { kind: 'model', path: 'model.txt' });
				await run.flush();
				return run.id as string;
			},
			{ project: PROJECT, marker: MARKER }
		);
		const link = await share(pageA);
		expect(link).toMatch(/#\/join\/[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);

		// B's first visit is the join link: the app's precache waits until the first sync is done.
		const registered = (page: Page) => page.evaluate(async () => (await navigator.serviceWorker.getRegistration()) !== undefined);
		pageB = await joinByLink(b, link, 'Team A', async (page) => expect(await registered(page)).toBe(false));
		await expect.poll(async () => (await runsOf(pageB)).map((r) => r.id), { timeout: 20_000 }).toEqual([runId]);
		const [run] = await runsOf(pageB);
		expect(run).toMatchObject({ name: 'shared-run', tags: ['base'], notes: `notes ${MARKER}`, params: { secret: MARKER, lr: 0.1 } });

		// 5,000 points: one sealed chunk (fetched by hash and verified) plus the open tail.
		await expect.poll(async () => (await seriesOf(pageB, runId, 'loss@train')).steps.length, { timeout: 20_000 }).toBe(5000);
		expect(await seriesOf(pageB, runId, 'loss@train')).toEqual(await seriesOf(pageA, runId, 'loss@train'));

		// Artifact bytes are fetched on demand, verified on receipt and again on read.
		const artifact = await readArtifact(pageB, 'model');
		expect(artifact.files).toEqual([{ path: 'model.txt', sha256: artifact.files[0]!.digest, text: `weights ${MARKER}`, digest: artifact.files[0]!.digest }]);

		// The two browsers are connected directly (WebRTC), not only through the relay.
		await expect.poll(async () => (await syncStatus(pageB))?.peers?.[0]?.links?.[0], { timeout: 20_000 }).toBe('webrtc');
		await expect.poll(async () => (await syncStatus(pageB))?.docsInSync, { timeout: 10_000 }).toBe(true);
		await waitForServiceWorker(pageB);
	});

	it('shows a metric logged on A on B within seconds, live', async () => {
		await pageA.evaluate(async (project) => {
			const run = await (globalThis as any).cairn.startRun({ project, name: 'live-run' });
			(globalThis as any).__live = run;
			for (let step = 0; step < 10; step++) run.log({ acc: step / 10 }, { step, split: 'val' });
		}, PROJECT);
		const liveId = await pageA.evaluate(() => (globalThis as any).__live.id as string);
		await expect.poll(async () => (await seriesOf(pageB, liveId, 'acc@val')).steps.length, { timeout: 5_000 }).toBe(10);
		await pageA.evaluate(() => (globalThis as any).__live.finish());
	});

	it('merges edits made offline on both sides, losing nothing', async () => {
		await pageA.close();
		await pageB.close();
		await a.context.setOffline(true);
		await b.context.setOffline(true);
		pageA = await openApp(a);
		pageB = await openApp(b);

		const editOffline = (page: Page, who: string) =>
			page.evaluate(
				async ({ project, runId, who }) => {
					const cairn = await (globalThis as any).cairn.getCairn();
					await cairn.runs.update(runId, (r: any) => {
						r.tags = [...r.tags, `from-${who}`];
						r.notes = who === 'a' ? `${r.notes}\nA was here` : `B first\n${r.notes}`;
					});
					const run = await (globalThis as any).cairn.startRun({ project, name: `offline-${who}` });
					await run.finish();
					return run.id as string;
				},
				{ project: PROJECT, runId, who }
			);
		const offlineA = await editOffline(pageA, 'a');
		const offlineB = await editOffline(pageB, 'b');
		// Really apart: neither sees the other's new run.
		expect((await runsOf(pageA)).map((r) => r.id)).not.toContain(offlineB);
		expect((await runsOf(pageB)).map((r) => r.id)).not.toContain(offlineA);

		await a.context.setOffline(false);
		await b.context.setOffline(false);
		await pageA.reload();
		await pageB.reload();
		for (const page of [pageA, pageB]) {
			await page.waitForFunction(() => 'cairn' in globalThis);
			// Four runs: the shared one, the live one, and one made offline on each side.
			await expect.poll(async () => (await runsOf(page)).map((r) => r.id), { timeout: 20_000 }).toHaveLength(4);
			expect((await runsOf(page)).map((r) => r.id)).toEqual(expect.arrayContaining([runId, offlineA, offlineB]));
			await expect
				.poll(async () => (await runsOf(page)).find((r) => r.id === runId), { timeout: 20_000 })
				.toMatchObject({ tags: ['base', 'from-a', 'from-b'], notes: `B first\nnotes ${MARKER}\nA was here` });
		}
	});

	it('rejects a tampered chunk and reports the peer that sent it', async () => {
		// A logs a new artifact, then a byte of its stored chunk is flipped before B asks for it.
		const hash = await pageA.evaluate(async (project) => {
			const cairn = await (globalThis as any).cairn.getCairn();
			const logged = await cairn.logArtifact(project, null, 'report', 'the honest bytes', { kind: 'report', path: 'r.txt' });
			const h = logged.version.files[0].chunks[0] as string;
			const row = await cairn.db.blobChunks.get(h);
			const bytes = new Uint8Array(await row.data.arrayBuffer());
			bytes[0] = (bytes[0] ?? 0) ^ 0xff;
			await cairn.db.blobChunks.put({ ...row, data: new Blob([bytes]) });
			return h;
		}, PROJECT);
		await expect.poll(() => pageB.evaluate(async () => ((globalThis as any).__c = await (globalThis as any).cairn.getCairn()).artifacts.getArtifact('sync-e2e', 'report').then((x: unknown) => !!x)), { timeout: 20_000 }).toBe(true);

		await pageB.evaluate((h) => {
			(globalThis as any).__fetch = (globalThis as any).__c.workspace.mesh.fetchChunk(h, 'artifact').then(
				() => 'stored',
				(e: Error) => e.name
			);
		}, hash);
		await expect
			.poll(async () => ((await syncStatus(pageB))?.badPeers ?? []).map((r: { reason: string }) => r.reason).join('\n'), { timeout: 20_000 })
			.toContain(hash.slice(0, 12));
		expect(await pageB.evaluate((h) => (globalThis as any).__c.db.blobChunks.get(h).then((r: unknown) => r ?? null), hash)).toBeNull();
		await pageB.evaluate((h) => (globalThis as any).__c.workspace.mesh.cancelFetch(h), hash);
		expect(await pageB.evaluate(() => (globalThis as any).__fetch)).toBe('ChunkUnavailableError');
	});

	it('the relay saw only ciphertext: the marker never appears in anything it forwarded', () => {
		expect(captured.length).toBeGreaterThan(0);
		const marker = Buffer.from(MARKER);
		for (const { payload } of captured) expect(Buffer.from(payload).includes(marker)).toBe(false);
		// The room is named by a hash, never by its id or key.
		for (const { topic } of captured) expect(topic).toMatch(/^[0-9a-f]{64}$/);
	});
});

describe('signaling unreachable', () => {
	it('says so in the sync status and keeps working locally', async () => {
		const c = await launchProfile();
		const page = await openApp(c);
		await page.getByRole('button', { name: /Share/ }).click();
		const dialog = page.getByTestId('share-dialog');
		await dialog.waitFor();
		await dialog.getByRole('button', { name: 'Add server' }).click();
		await dialog.getByTestId('signaling-url').first().fill('ws://127.0.0.1:9/signal');
		await dialog.getByRole('button', { name: 'Save servers' }).click();
		await dialog.getByText(/^Saved\./).waitFor();
		await dialog.getByRole('button', { name: 'Done' }).click();
		// The servers apply from the next open.
		await page.reload();
		await page.waitForFunction(() => 'cairn' in globalThis);
		await expect.poll(() => page.getByTestId('sync-label').textContent(), { timeout: 20_000 }).toBe('Offline — working locally');
		await page.getByTestId('sync-status').click();
		await page.getByTestId('sync-panel').getByText(/Cannot reach the signaling server ws:\/\/127\.0\.0\.1:9\/signal/).first().waitFor();
		// Local work is unaffected.
		const id = await page.evaluate(async (project) => {
			const run = await (globalThis as any).cairn.startRun({ project, name: 'local-only' });
			run.log({ loss: 1 }, { step: 0 });
			await run.finish();
			return run.id as string;
		}, PROJECT);
		expect((await runsOf(page)).map((r) => r.id)).toEqual([id]);
		await c.close();
	});
});

describe('the always-on peer keeps a workspace for teammates who are never online together', () => {
	const dirs: string[] = [];
	const children = new Set<ChildProcess>();
	afterAll(() => {
		for (const child of children) child.kill('SIGKILL');
		for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
	});

	/** Starts the built peer and resolves with a way to wait for a status line. */
	function startPeer(args: string[]) {
		const child = spawn(process.execPath, [PEER_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
		children.add(child);
		let output = '';
		child.stdout.on('data', (d: Buffer) => (output += d.toString()));
		child.stderr.on('data', (d: Buffer) => (output += d.toString()));
		return {
			output: () => output,
			stop: () =>
				new Promise<number | null>((resolve) => {
					child.once('exit', (code) => {
						children.delete(child);
						resolve(code);
					});
					child.kill('SIGTERM');
				})
		};
	}

	it('A logs and closes; the peer stays and restarts from its directory; B joins later and gets everything', async () => {
		expect(existsSync(PEER_BIN), 'run `npm run build` first (it builds the peer too)').toBe(true);
		const dir = mkdtempSync(join(tmpdir(), 'cairn-peer-e2e-'));
		dirs.push(dir);

		const a = await launchProfile();
		const pageA = await openApp(a);
		const link = await share(pageA);
		let peer = startPeer(['--join', link, '--data', dir, '--signal', app.signalingUrl]);
		const runId = await pageA.evaluate(async (project) => {
			const run = await (globalThis as any).cairn.startRun({ project, name: 'archived-run', params: { depth: 3 } });
			for (let step = 0; step < 4500; step++) run.log({ loss: Math.exp(-step / 1000) }, { step });
			await run.logArtifact('weights', [{ path: 'w.bin', data: 'archived weights' }, { path: 'z-extra.bin', data: 'extra bytes' }], { kind: 'model' });
			await run.finish();
			return run.id as string;
		}, PROJECT);
		// The peer holds the document and every chunk (it archives artifact bytes eagerly).
		await expect.poll(() => peer.output(), { timeout: 30_000 }).toMatch(/chunks [2-9]\d* held, 0 pending/);
		await a.close();

		// Restart from the directory alone: nothing lost.
		expect(await peer.stop()).toBe(0);
		peer = startPeer(['--data', dir, '--signal', app.signalingUrl]);
		await expect.poll(() => peer.output(), { timeout: 15_000 }).toMatch(/signaling connected/);

		const b = await launchProfile();
		const pageB = await joinByLink(b, link, 'Archive');
		await expect.poll(async () => (await runsOf(pageB)).map((r) => r.id), { timeout: 20_000 }).toEqual([runId]);
		await expect.poll(async () => (await seriesOf(pageB, runId, 'loss@train')).steps.length, { timeout: 20_000 }).toBe(4500);
		// Artifact bytes come on demand: opening the version previews (and so fetches) its first
		// file; the page offers to keep the rest on this device.
		await pageB.goto(`${app.url}p/${PROJECT}/artifacts/weights/v/v1`);
		const onDevice = pageB.getByTestId('version-on-device');
		await onDevice.getByText('1 of 2 chunks on this device.').waitFor({ timeout: 20_000 });
		await onDevice.getByRole('button', { name: 'Keep on this device' }).click();
		await onDevice.getByText(/All 2 chunks on this device/).waitFor({ timeout: 20_000 });
		const artifact = await readArtifact(pageB, 'weights');
		expect(artifact.files.map((f) => f.text)).toEqual(['archived weights', 'extra bytes']);
		for (const file of artifact.files) expect(file.sha256).toBe(file.digest);
		expect(peer.output()).not.toContain(link.slice(link.indexOf('#')));
		expect(await peer.stop()).toBe(0);
		await b.close();
	});
});
