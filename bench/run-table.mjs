// @ts-check
/**
 * The runs table with 10,000 runs: time from navigation start to the first row
 * in the DOM (the newest runs, read first), to the whole table loaded ("10000 of
 * 10000 runs"), and the time to re-sort all of it by a metric (click → next
 * painted frame).
 */

/** @param {import('playwright-core').Page} page @param {string} baseUrl @param {number} count */
export async function benchRunTable(page, baseUrl, count) {
	await page.evaluate(async (count) => {
		const c = await /** @type {any} */ (globalThis).cairn.getCairn();
		await c.projects.ensure('bench-table', Date.now());
		const now = Date.now();
		const runs = Array.from({ length: count }, (_, i) => {
			const acc = 0.5 + 0.5 * Math.abs(Math.sin(i));
			/** @param {string} key @param {string} split @param {number} last */
			const summary = (key, split, last) => ({ key, split, last, lastStep: 99, min: last, max: last, count: 100, nonFinite: 0 });
			return {
				id: `bench-${String(i).padStart(6, '0')}`,
				projectId: 'bench-table',
				name: `bench-mlp-${i}`,
				status: i % 17 === 0 ? 'failed' : 'finished',
				startedAt: now - i * 60_000,
				endedAt: now - i * 60_000 + 30_000,
				heartbeatAt: now - i * 60_000 + 30_000,
				author: i % 3 ? 'ana' : 'ben',
				params: { model: i % 2 ? 'mlp' : 'softmax', lr: 10 ** -(1 + (i % 4)), hidden: 8 * (1 + (i % 8)), seed: i },
				tags: i % 5 ? ['sweep'] : ['sweep', 'baseline'],
				notes: '',
				data: { source: 'bench', version: '1' },
				env: {},
				parentRunId: null,
				reproducesRunId: null,
				summaries: { 'acc@val': summary('acc', 'val', acc), 'loss@val': summary('loss', 'val', 1 - acc), 'loss@train': summary('loss', 'train', 0.9 - acc) },
				strictSplits: false
			};
		});
		await c.db.runs.bulkPut(runs);
	}, count);

	const firstRows = [];
	const allRows = [];
	const sorts = [];
	for (let i = 0; i < 3; i++) {
		await page.goto(new URL('/p/bench-table', baseUrl).href);
		await page.waitForSelector('[data-testid="run-table"] [data-row="0"]');
		firstRows.push(await page.evaluate(() => performance.now()));
		// The newest runs show first; the sort is timed on the whole table.
		await page.getByText(`${count} of ${count} runs`).waitFor();
		allRows.push(await page.evaluate(() => performance.now()));
		sorts.push(
			await page.evaluate(async () => {
				const header = [...document.querySelectorAll('[role="columnheader"] button')].find((b) => b.textContent?.includes('acc (val)'));
				if (!(header instanceof HTMLElement)) throw new Error('no acc (val) column');
				const before = document.querySelector('[data-row="0"] a')?.textContent;
				const t0 = performance.now();
				header.click();
				await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
				const after = document.querySelector('[data-row="0"] a')?.textContent;
				if (before === after) throw new Error('sorting did not change the first row');
				return performance.now() - t0;
			})
		);
	}
	const median = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
	return { runs: count, firstRowsMsMedian: median(firstRows), firstRowsMs: firstRows, allRowsMsMedian: median(allRows), allRowsMs: allRows, sortByMetricMsMedian: median(sorts), sortMs: sorts };
}
