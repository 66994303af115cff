/**
 * The built app is an installable PWA that opens with no server at all: after one
 * online visit, '/' and deep links load from the service worker's precache, also
 * after the browser restarts on the same profile.
 */
import { afterAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import {
	cleanupProfiles,
	firstPage,
	launchProfile,
	startApp,
	waitForServiceWorker,
	withoutOfflineNoise,
	type App,
} from './harness';

const DEEP_LINK = 'p/some-project';

/** What the web manifest must declare per icon. */
interface ManifestIcon {
	src: string;
	sizes: string;
	type: string;
	purpose?: string;
}

async function expectAppShell(page: Page): Promise<void> {
	await page.locator('[data-testid="app-shell"]').first().waitFor({ state: 'attached', timeout: 15_000 });
	expect(await page.title()).toContain('Cairn');
}

/** Reads width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Uint8Array): { width: number; height: number } {
	const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
	expect([...bytes.subarray(0, 8)]).toEqual(signature);
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	return { width: view.getUint32(16), height: view.getUint32(20) };
}

describe('offline PWA', () => {
	let app: App | undefined;

	afterAll(async () => {
		await app?.close();
		await cleanupProfiles();
	});

	test('serves a web manifest whose icons exist', async () => {
		app = await startApp();
		const response = await fetch(new URL('manifest.webmanifest', app.url));
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toContain('application/manifest+json');
		const manifest = (await response.json()) as {
			name: string;
			short_name: string;
			display: string;
			start_url: string;
			icons: ManifestIcon[];
		};
		expect(manifest).toMatchObject({ name: 'Cairn', short_name: 'Cairn', display: 'standalone', start_url: '/' });
		expect(manifest.icons.map((icon) => icon.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
		expect(manifest.icons.some((icon) => icon.purpose === 'maskable')).toBe(true);
		for (const icon of manifest.icons) {
			const iconResponse = await fetch(new URL(icon.src, app.url));
			expect(iconResponse.status, icon.src).toBe(200);
			expect(iconResponse.headers.get('content-type')).toBe(icon.type);
			const { width, height } = pngSize(new Uint8Array(await iconResponse.arrayBuffer()));
			expect(`${width}x${height}`, icon.src).toBe(icon.sizes);
		}
	});

	test('opens offline, on deep links, and after a browser restart', async () => {
		app ??= await startApp();
		const baseUrl = app.url;
		const profile = await launchProfile();
		const page = await firstPage(profile);

		await page.goto(baseUrl);
		await expectAppShell(page);
		expect(await page.locator('link[rel="manifest"]').getAttribute('href')).toBe('/manifest.webmanifest');
		// clientsClaim: the very first visit is controlled without a reload.
		await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
		await waitForServiceWorker(page);

		// Really stop the server: from here on nothing answers on that port.
		await app.close();
		await expect(fetch(baseUrl)).rejects.toThrow();

		await page.reload();
		await expectAppShell(page);

		await page.goto(new URL(DEEP_LINK, baseUrl).href);
		await expectAppShell(page);
		expect(new URL(page.url()).pathname).toBe(`/${DEEP_LINK}`);

		// Browser restart on the same profile, server still stopped.
		await profile.close();
		const restarted = await launchProfile(profile.dir);
		const pageAfterRestart = await firstPage(restarted);
		await pageAfterRestart.goto(new URL(DEEP_LINK, baseUrl).href);
		await expectAppShell(pageAfterRestart);

		expect(withoutOfflineNoise(profile.errors)).toEqual([]);
		expect(withoutOfflineNoise(restarted.errors)).toEqual([]);
	});
});
