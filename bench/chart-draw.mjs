// @ts-check
/**
 * A 1,000,000-point series from IndexedDB to a drawn chart: log it through the
 * SDK, open the run page in a fresh page load (so nothing is cached in memory),
 * and take the time from the start of the series read (mark
 * `cairn:metrics-read-start`) to the end of the chart's first full draw (mark
 * `cairn:chart-drawn`). Both marks are set by the app itself.
 */

/** @param {import('playwright-core').Page} page @param {string} baseUrl */
export async function benchChartDraw(page, baseUrl) {
	const POINTS = 1_000_000;
	const runId = await page.evaluate(async (n) => {
		const sdk = /** @type {any} */ (globalThis).cairn;
		const run = await sdk.startRun({ project: 'bench', name: 'chart-bench' });
		for (let step = 0; step < n; step++) run.log({ loss: Math.exp(-step / 2e5) + 0.05 * Math.sin(step / 50) }, { step });
		await run.finish();
		return run.id;
	}, POINTS);
	const samples = [];
	for (let i = 0; i < 5; i++) {
		await page.goto(new URL(`/p/bench/r/${runId}`, baseUrl).href);
		await page.waitForFunction(() => performance.getEntriesByName('cairn:chart-drawn').length > 0, undefined, { timeout: 30_000 });
		samples.push(
			await page.evaluate(() => {
				const start = performance.getEntriesByName('cairn:metrics-read-start')[0];
				const drawn = performance.getEntriesByName('cairn:chart-drawn')[0];
				if (!start || !drawn) throw new Error('marks missing');
				return drawn.startTime - start.startTime;
			})
		);
	}
	samples.sort((a, b) => a - b);
	// The first load warms the browser's own caches; report the median and the worst.
	return { points: POINTS, idbToDrawnMsMedian: samples[2], idbToDrawnMsMax: samples[4], samplesMs: samples };
}
