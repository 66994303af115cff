// @ts-check
/** Shared set-up for benchmarks: the built app on loopback and a persistent Chromium profile. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium.mjs';
import { startServer } from '../scripts/serve.mjs';

/**
 * A persistent profile, as a user has: incognito contexts keep IndexedDB in
 * memory and run 1.5–2× faster (TOOLCHAIN.md), which would flatter the figures.
 */
export async function openBench() {
	const server = await startServer({ port: 0 });
	const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-'));
	const context = await chromium.launchPersistentContext(dir, {
		executablePath: CHROMIUM_PATH,
		headless: true,
		args: CHROMIUM_ARGS,
		viewport: { width: 1600, height: 1000 }
	});
	const page = context.pages()[0] ?? (await context.newPage());
	page.on('pageerror', (e) => console.error('page error:', e.message));
	await page.goto(server.url);
	await page.waitForFunction(() => 'cairn' in globalThis);
	return {
		server,
		context,
		page,
		async close() {
			await context.close();
			await server.close();
			await rm(dir, { recursive: true, force: true });
		}
	};
}
