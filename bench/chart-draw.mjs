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
				const chart = document.querySelector('[data-draw-ms]');
				if (!start || !drawn || !(chart instanceof HTMLElement)) throw new Error('marks missing');
				const total = drawn.startTime - start.startTime;
				const prepare = Number(chart.dataset.prepareMs);
				const draw = Number(chart.dataset.drawMs);
				// What is left is the IndexedDB read, chunk decoding and Svelte's update.
				return { total, prepare, draw, readAndRender: total - prepare - draw };
			})
		);
	}
	samples.sort((a, b) => a.total - b.total);
	// Five fresh page loads; report the median and the worst.
	return { points: POINTS, idbToDrawnMsMedian: samples[2]?.total, idbToDrawnMsMax: samples[4]?.total, medianBreakdownMs: samples[2], samples };
}
