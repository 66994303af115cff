// @ts-check
/**
 * Metric logging, SDK → committed in IndexedDB, against two anchors measured in
 * the same browser profile in the same run:
 * - bare packed writes: raw IndexedDB puts of Float64Array chunks of 1,024 points
 *   (TOOLCHAIN.md measured ≈ 4 M points/s with Dexie bulkPut here);
 * - one row per point (≈ 13 k points/s), over fewer points since it is slow.
 */

/** @param {import('playwright-core').Page} page @param {{ points: number, rowPoints: number }} opts */
export async function benchMetricLogging(page, { points, rowPoints }) {
	return page.evaluate(
		async ({ points, rowPoints }) => {
			/** @param {string} name @param {(db: IDBDatabase) => void} upgrade @returns {Promise<IDBDatabase>} */
			const openRaw = (name, upgrade) =>
				new Promise((resolve, reject) => {
					const req = indexedDB.open(name, 1);
					req.onupgradeneeded = () => upgrade(req.result);
					req.onsuccess = () => resolve(req.result);
					req.onerror = () => reject(req.error);
				});
			/** @param {IDBTransaction} tx */
			const done = (tx) => new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); tx.onabort = () => reject(tx.error); });

			// Anchor 1: bare packed chunk writes, 1,024 points per row, 64 rows per transaction.
			const packedDb = await openRaw('bench-packed', (db) => db.createObjectStore('chunks', { keyPath: 'id' }));
			const CHUNK = 1024;
			let t = performance.now();
			for (let written = 0, id = 0; written < points; ) {
				const tx = packedDb.transaction('chunks', 'readwrite');
				const store = tx.objectStore('chunks');
				for (let r = 0; r < 64 && written < points; r++, id++, written += CHUNK) {
					const data = new Float64Array(CHUNK * 3);
					for (let i = 0; i < CHUNK; i++) { data[i] = written + i; data[CHUNK + i] = Date.now(); data[2 * CHUNK + i] = Math.random(); }
					store.put({ id, data });
				}
				await done(tx);
			}
			const packedSeconds = (performance.now() - t) / 1000;
			packedDb.close();

			// Anchor 2: one row per point.
			const rowDb = await openRaw('bench-rows', (db) => db.createObjectStore('points', { keyPath: 'id' }));
			t = performance.now();
			for (let written = 0; written < rowPoints; ) {
				const tx = rowDb.transaction('points', 'readwrite');
				const store = tx.objectStore('points');
				for (let r = 0; r < 1000 && written < rowPoints; r++, written++) store.put({ id: written, step: written, time: Date.now(), value: Math.random() });
				await done(tx);
			}
			const rowSeconds = (performance.now() - t) / 1000;
			rowDb.close();

			// The SDK: run.log in batches that yield to the event loop, as a training loop does.
			const sdk = /** @type {any} */ (globalThis).cairn;
			const run = await sdk.startRun({ project: 'bench', name: 'logging-bench', params: { points } });
			const BATCH = 100_000;
			let logMs = 0;
			t = performance.now();
			for (let step = 0; step < points; ) {
				const s = performance.now();
				const end = Math.min(points, step + BATCH);
				for (; step < end; step++) run.log({ loss: 1 / (step + 1) }, { step });
				logMs += performance.now() - s;
				await new Promise((r) => setTimeout(r, 0));
			}
			await run.flush();
			const sdkSeconds = (performance.now() - t) / 1000;
			await run.finish();
			const c = await sdk.getCairn();
			const series = await c.metrics.readSeries(run.id, 'loss@train');
			if (series.values.length !== points) throw new Error(`expected ${points} points back, got ${series.values.length}`);
			return {
				points,
				sdkPointsPerSecond: points / sdkSeconds,
				logNanosecondsPerCall: (logMs * 1e6) / points,
				barePackedPointsPerSecond: points / packedSeconds,
				oneRowPerPointPointsPerSecond: rowPoints / rowSeconds,
				oneRowPerPointSampled: rowPoints,
				runId: run.id
			};
		},
		{ points, rowPoints }
	);
}
