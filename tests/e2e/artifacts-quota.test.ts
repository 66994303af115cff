/**
 * Storage running out, for real, in Chromium: a quota set through CDP
 * (Storage.overrideQuotaForOrigin) makes IndexedDB refuse the chunk writes of
 * an upload. The user sees which file failed and about how much more space it
 * needs, no version appears, and once there is room (the browser relaunched
 * without the limit) the same upload goes through.
 *
 * The override is set before the app loads: set after the app had opened its
 * database, Chromium left it unenforced for IndexedDB (even across a reload),
 * while `Storage.getUsageAndQuota` showed it active.
 */
import { afterAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { dropPattern } from './drop';
import { cleanupProfiles, launchProfile, startApp, type App } from './harness';

const MiB = 1024 * 1024;
const PROJECT = 'art-quota';

let app: App | undefined;

afterAll(async () => {
	await app?.close();
	await cleanupProfiles();
});

async function openRunPage(page: Page, base: string, runId: string) {
	await page.goto(new URL(`/p/${PROJECT}/r/${runId}`, base).href);
	await page.getByTestId('artifact-drop-zone').waitFor();
}

it('names the file and the space it still needs when storage runs out (upload and SDK bytes), shows no version, and uploads once there is room', { timeout: 120_000 }, async () => {
	app = await startApp();
	const { url } = app;
	const origin = new URL(url).origin;
	let profile = await launchProfile();
	let page = profile.context.pages()[0] ?? (await profile.context.newPage());
	const cdp = await profile.context.newCDPSession(page);
	await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 24 * MiB });

	await page.goto(url);
	await page.waitForFunction(() => 'cairn' in globalThis);
	const runId = await page.evaluate(async (project) => {
		const run = await (globalThis as any).cairn.startRun({ project, name: 'embedder' });
		await run.finish();
		return run.id as string;
	}, PROJECT);
	await openRunPage(page, url, runId);
	await dropPattern(page, 'embeddings.npy', 40 * MiB, 5);
	await page.getByTestId('artifact-name').fill('embeddings');
	await page.getByRole('button', { name: 'Upload' }).click();
	const alert = page.getByRole('alert').filter({ hasText: 'Not enough storage' });
	await expect
		.poll(() => alert.textContent(), { timeout: 60_000 })
		.toMatch(/Not enough storage for "embeddings\.npy" \(40 MiB\): about [\d.]+ MiB more is needed on this device\. Free space/);
	const refused = await page.evaluate(async (project) => {
		const cairn = await (globalThis as any).cairn.getCairn();
		return (await cairn.artifacts.getArtifact(project, 'embeddings')) ?? null;
	}, PROJECT);
	expect(refused).toBeNull();

	// The same from the SDK with bytes in memory (read from the page a range at a time).
	const sdk = await page.evaluate(async (project) => {
		const cairn = await (globalThis as any).cairn.getCairn();
		const bytes = new Uint8Array(40 * 1024 * 1024);
		for (let at = 0; at < bytes.length; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
		const failure = await cairn.logArtifact(project, null, 'weights', bytes, { kind: 'model', path: 'weights.bin' }).then(
			() => null,
			(e: Error & { bytesNeeded?: number }) => ({ name: e.name, message: e.message, bytesNeeded: e.bytesNeeded })
		);
		return { failure, artifact: (await cairn.artifacts.getArtifact(project, 'weights')) ?? null };
	}, PROJECT);
	expect(sdk.failure?.name).toBe('StorageQuotaError');
	expect(sdk.failure?.message).toMatch(/Not enough storage for "weights\.bin" \(40 MiB\): about [\d.]+ MiB more is needed/);
	expect(sdk.failure?.bytesNeeded).toBeGreaterThan(0);
	expect(sdk.artifact).toBeNull();
	expect(profile.errors).toEqual([]);

	// Room again: the browser relaunched on the same profile, without the limit.
	const dir = profile.dir;
	await profile.close();
	profile = await launchProfile(dir);
	page = profile.context.pages()[0] ?? (await profile.context.newPage());
	await openRunPage(page, url, runId);
	await dropPattern(page, 'embeddings.npy', 40 * MiB, 5);
	await page.getByTestId('artifact-name').fill('embeddings');
	await page.getByRole('button', { name: 'Upload' }).click();
	await expect.poll(() => page.getByTestId('upload-result').textContent(), { timeout: 60_000 }).toContain('Logged embeddings v1');
	expect(profile.errors).toEqual([]);
});
