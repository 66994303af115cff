/**
 * The foundation's user flows in real Chromium: log through the SDK in a page,
 * see the run in the table and on a live chart; bad calls leave the store
 * unchanged; the demo trains in a real worker; data survives a browser restart
 * and an offline reload with the server stopped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { cleanupProfiles, launchProfile, startApp, waitForServiceWorker, type App, type Profile } from './harness';

let app: App;
beforeAll(async () => {
	app = await startApp();
});
afterAll(async () => {
	await app?.close();
	await cleanupProfiles();
});

async function openCairn(page: Page, base = app.url) {
	await page.goto(base);
	await page.waitForFunction(() => 'cairn' in globalThis);
}

/** Every row of every Cairn table, read with raw IndexedDB (independent of the app's code paths). */
function dumpIdb(page: Page) {
	return page.evaluate(async () => {
		const db = await new Promise<IDBDatabase>((resolve, reject) => {
			const req = indexedDB.open('cairn');
			req.onsuccess = () => resolve(req.result);
			req.onerror = () => reject(req.error);
		});
		const out: Record<string, unknown[]> = {};
		for (const name of [...db.objectStoreNames]) {
			out[name] = await new Promise((resolve, reject) => {
				const req = db.transaction(name).objectStore(name).getAll();
				// heartbeatAt is refreshed by a timer every 10 s while a run is live: not a change made by the calls under test.
				req.onsuccess = () =>
					resolve(req.result.map((row: unknown) => JSON.stringify(row, (k, v) => (k === 'heartbeatAt' ? 0 : v instanceof Float64Array ? [...v].map(String) : v))));
				req.onerror = () => reject(req.error);
			});
		}
		db.close();
		return out;
	});
}

describe('logging and browsing', () => {
	let profile: Profile;
	beforeAll(async () => {
		profile = await launchProfile();
	});
	afterAll(async () => {
		await profile?.close();
	});

	it('shows a run logged through the SDK in the table and on a chart that updates live', async () => {
		const page = await profile.context.newPage();
		await openCairn(page);
		const { id, name } = await page.evaluate(async () => {
			const sdk = (globalThis as any).cairn;
			const run = await sdk.startRun({ project: 'e2e', params: { model: 'mlp', lr: 0.1 }, tags: ['smoke'], notes: '**bold** <img src=x onerror="window.__xss=1">' });
			for (let step = 0; step < 200; step++) {
				run.log({ loss: 1 / (step + 1) }, { step, split: 'train' });
				if (step % 10 === 0) run.log({ loss: step === 100 ? NaN : 1.2 / (step + 1) }, { step, split: 'val' });
			}
			await run.flush();
			(globalThis as any).__run = run;
			return { id: run.id, name: run.name };
		});
		expect(name).toMatch(/^e2e-mlp-\d{8}-\d{6}$/);

		// Client-side navigation keeps the page's JS (and the live run handle) alive.
		await page.getByRole('link', { name: 'e2e' }).click();
		const row = page.locator('[data-testid="run-table"] [role="row"]', { hasText: name });
		await expect.poll(() => row.count()).toBe(1);
		expect(await row.textContent()).toContain('running');
		await page.getByRole('link', { name }).click();
		await page.waitForURL(`**/p/e2e/r/${id}`);

		const chart = page.locator('[data-testid="charts"] [role="img"]').first();
		await chart.waitFor();
		expect(await page.locator('[data-testid="charts"] canvas').count()).toBeGreaterThan(0);
		const label = () => chart.getAttribute('aria-label');
		expect(await label()).toMatch(/loss/);
		expect(await label()).toMatch(/200/);
		expect(await page.getByText('NaN', { exact: false }).count()).toBeGreaterThan(0);

		// Markdown notes are rendered, and the injected handler is stripped.
		expect(await page.locator('[data-testid="notes"] strong').textContent()).toBe('bold');
		expect(await page.evaluate(() => (globalThis as any).__xss)).toBeUndefined();

		// Live: more points and a finish show up without a reload.
		await page.evaluate(async () => {
			const run = (globalThis as any).__run;
			for (let step = 200; step < 300; step++) run.log({ loss: 1 / (step + 1) }, { step, split: 'train' });
			await run.finish();
		});
		await expect.poll(label, { timeout: 5000 }).toMatch(/300/);
		await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('finished');
		await page.close();
	});

	it('draws a long series from chunk envelopes first, then shows every point', async () => {
		const page = await profile.context.newPage();
		await openCairn(page);
		const id = await page.evaluate(async () => {
			const run = await (globalThis as any).cairn.startRun({ project: 'e2e-long', name: 'long' });
			for (let step = 0; step < 20_000; step++) run.log({ loss: step === 12_345 ? 99 : Math.exp(-step / 5000) }, { step });
			await run.finish();
			return run.id as string;
		});
		await page.goto(new URL(`/p/e2e-long/r/${id}`, app.url).href);
		const chart = page.locator('[data-testid="charts"] [role="img"]').first();
		await chart.waitFor();
		// The full read replaces the envelope: the label then counts every point.
		await expect.poll(() => chart.getAttribute('aria-label'), { timeout: 10_000 }).toMatch(/20,000 points/);
		await page.getByRole('button', { name: 'Download CSV' }).waitFor();
		await page.close();
	});

	it('rejects bad calls with named errors and leaves the store unchanged', async () => {
		const page = await profile.context.newPage();
		await openCairn(page);
		await page.evaluate(async () => {
			const run = await (globalThis as any).cairn.startRun({ project: 'e2e-bad', params: { lr: 0.1 }, strictSplits: true });
			run.log({ loss: 1 }, { step: 0 });
			await run.flush();
			(globalThis as any).__bad = run;
		});
		const before = await dumpIdb(page);
		const errors = await page.evaluate(async () => {
			const run = (globalThis as any).__bad;
			const sdk = (globalThis as any).cairn;
			const caught: string[] = [];
			const attempt = async (fn: () => unknown) => {
				try {
					await fn();
					caught.push('no error');
				} catch (e) {
					caught.push(`${(e as Error).name}: ${(e as Error).message}`);
				}
			};
			await attempt(() => run.log({ loss: 2, acc: 'high' }, { step: 1 }));
			await attempt(() => run.log({ loss: 2 }, { step: Infinity }));
			await attempt(() => run.log({ loss: 2 }, { split: 'holdout' }));
			await attempt(() => run.log(JSON.parse('{"__proto__": 1}')));
			await attempt(() => run.logParams({ lr: 0.2 }));
			await attempt(() => sdk.startRun({ project: 'Not A Slug' }));
			await run.flush();
			return caught;
		});
		expect(errors[0]).toMatch(/^InvalidMetricValueError: Metric "acc" must be a number/);
		expect(errors[1]).toMatch(/^InvalidStepError/);
		expect(errors[2]).toMatch(/^UnknownSplitError/);
		expect(errors[3]).toMatch(/^ForbiddenKeyError/);
		expect(errors[4]).toMatch(/^ParamConflictError: Param "lr" is already 0.1/);
		expect(errors[5]).toMatch(/^InvalidFieldError: Invalid project/);
		expect(await dumpIdb(page)).toEqual(before);
		await page.close();
	});

	it('draws only the rows in view of a long table, and follows the keyboard to its last run', async () => {
		const page = await profile.context.newPage();
		await openCairn(page);
		await page.evaluate(async () => {
			const cairn = (globalThis as any).cairn;
			for (let i = 0; i < 150; i++) await (await cairn.startRun({ project: 'long-table', name: `r-${String(i).padStart(3, '0')}` })).finish();
		});
		await page.goto(new URL('/p/long-table', page.url()).href);
		await page.getByText('150 of 150 runs').waitFor();
		const rows = page.locator('[data-testid="run-table"] [role="row"][data-row]');
		// The body's height (from its ResizeObserver) decides how many rows are drawn: those in view plus the overscan.
		const bodyHeight = await page.locator('[data-testid="run-table"] [role="rowgroup"].body').evaluate((el) => el.clientHeight);
		await expect.poll(() => rows.count()).toBe(Math.min(150, Math.ceil(bodyHeight / 34) + 8));
		await rows.first().getByRole('link').focus();
		await page.keyboard.press('End');
		await expect.poll(() => page.evaluate(() => document.activeElement?.closest('[data-row]')?.getAttribute('data-row'))).toBe('149');
		// Newest first: the last row is the first run logged.
		expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('r-000');
		expect(await rows.count()).toBeLessThan(150);
		await page.close();
	});

	it('runs the one-click demo: real training in a Web Worker, logged through the SDK', async () => {
		const page = await profile.context.newPage();
		await openCairn(page);
		await page.getByTestId('run-demo').click();
		await page.waitForURL('**/p/iris-demo', { timeout: 30_000 });
		const rows = page.locator('[data-testid="run-table"] [role="row"][data-row]');
		await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(3);
		expect(await page.locator('[data-testid="run-table"]').textContent()).toContain('finished');
		await rows.first().getByRole('link').click();
		await page.locator('[data-testid="charts"] canvas').first().waitFor();
		expect(await page.locator('[data-testid="params"]').textContent()).toContain('lr');
		await page.close();
	});
});

describe('durability', () => {
	it('keeps runs across a browser restart and serves them offline with the server stopped', async () => {
		const offlineApp = await startApp();
		let profile = await launchProfile();
		const page = await profile.context.newPage();
		await openCairn(page, offlineApp.url);
		await waitForServiceWorker(page);
		await page.waitForFunction(() => 'cairn' in globalThis);
		const { id } = await page.evaluate(async () => {
			const run = await (globalThis as any).cairn.startRun({ project: 'durable', name: 'survivor' });
			for (let step = 0; step < 50; step++) run.log({ acc: step / 50 }, { step, split: 'val' });
			await run.finish();
			return { id: run.id };
		});
		const deepLink = new URL(`/p/durable/r/${id}`, offlineApp.url).href;
		expect(new URL(offlineApp.url).port).not.toBe('');

		// Offline: the server is gone, a reload of a deep link still works.
		await offlineApp.close();
		await page.goto(deepLink);
		await page.getByRole('heading', { name: 'survivor' }).waitFor();
		await page.locator('[data-testid="charts"] canvas').first().waitFor();

		// Restart the browser on the same profile, server still stopped.
		const dir = profile.dir;
		await profile.close();
		profile = await launchProfile(dir);
		const again = await profile.context.newPage();
		await again.goto(deepLink);
		await again.getByRole('heading', { name: 'survivor' }).waitFor();
		expect(await again.getByTestId('run-status').textContent()).toBe('finished');
		await profile.close();
	});
});
