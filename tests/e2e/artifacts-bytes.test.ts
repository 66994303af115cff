/**
 * Artifact bytes in real Chromium, checked with the system's own tools:
 * a ≥ 100 MiB file's stored SHA-256 is what `sha256sum` prints; a download is
 * byte-for-byte the file (`cmp`); an export extracts with `tar -xf` and passes
 * `sha256sum -c SHA256SUMS`; a byte flipped in a stored chunk (raw IndexedDB) is
 * reported by preview, download, export and verify, naming file and chunk, and no
 * download happens. Previews (image, sanitized SVG, CSV table, confusion matrix,
 * Markdown, model details) render from a logged version.
 *
 * Set CAIRN_SCREENSHOTS=dir to save screenshots of the previews.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Download, Page } from 'playwright-core';
import { installPatternBytes, patternBytes } from './drop';
import { cleanupProfiles, launchProfile, startApp, type App, type Profile, navigate } from './harness';

const PROJECT = 'art-bytes';
const SCREENSHOTS = process.env.CAIRN_SCREENSHOTS;
/** 100 MiB plus a partial 4 MiB chunk at the end. */
const BIG_BYTES = 100 * 1024 * 1024 + 12_345;

let app: App;
let profile: Profile;
let page: Page;
let work: string;
const downloads: Download[] = [];

beforeAll(async () => {
	work = mkdtempSync(join(tmpdir(), 'cairn-bytes-'));
	app = await startApp();
	profile = await launchProfile();
	page = await profile.context.newPage();
	page.on('download', (d) => downloads.push(d));
	await page.setViewportSize({ width: 1280, height: 1000 });
	await page.goto(app.url);
	await page.waitForFunction(() => 'cairn' in globalThis);
});

afterAll(async () => {
	await app?.close();
	await cleanupProfiles();
	if (work) rmSync(work, { recursive: true, force: true });
});

/** Client-side navigation (keeps the page's JS state); see harness.ts. */
const go = (path: string) => navigate(page, app.url, path);

const versionPath = (name: string, version: number) => `/p/${PROJECT}/artifacts/${name}/v/${version}`;

function sha256sum(file: string): string {
	return execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0] as string;
}

/** Clicks `button`, waits for the download it starts and saves it into a fresh dir. */
async function clickAndSave(button: ReturnType<Page['getByRole']>, timeout = 120_000): Promise<{ file: string; name: string }> {
	const [download] = await Promise.all([page.waitForEvent('download', { timeout }), button.click()]);
	const dir = mkdtempSync(join(work, 'dl-'));
	const file = join(dir, download.suggestedFilename());
	await download.saveAs(file);
	return { file, name: download.suggestedFilename() };
}

/** Logs files (generated in the page: functions cannot cross into it) as one version; returns its number. */
function logInPage(name: string, kind: string, files: { path: string; size: number; text?: string }[]): Promise<number> {
	return page.evaluate(
		async ({ project, name, kind, files }) => {
			const random = (size: number) => {
				const parts: Uint8Array<ArrayBuffer>[] = [];
				for (let at = 0; at < size; at += 65536) parts.push(crypto.getRandomValues(new Uint8Array(Math.min(65536, size - at))));
				return new Blob(parts);
			};
			const cairn = await (globalThis as any).cairn.getCairn();
			const data = files.map((f) => ({ path: f.path, data: f.text ?? random(f.size) }));
			const logged = await cairn.logArtifact(project, null, name, data, { kind });
			return logged.version.version as number;
		},
		{ project: PROJECT, name, kind, files }
	);
}

describe('artifact bytes', () => {
	it('stores a 100 MiB file under the SHA-256 sha256sum prints, and downloads it byte for byte', { timeout: 240_000 }, async () => {
		// Random bytes written in Node: the same file goes to the page and to sha256sum.
		const big = join(work, 'big.bin');
		const fd = openSync(big, 'w');
		for (let left = BIG_BYTES; left > 0; left -= 8 << 20) writeSync(fd, randomBytes(Math.min(8 << 20, left)));
		closeSync(fd);
		const expected = sha256sum(big);

		await page.evaluate(() => {
			const input = document.createElement('input');
			input.type = 'file';
			input.id = 'e2e-big-input';
			input.hidden = true;
			document.body.append(input);
		});
		await page.setInputFiles('#e2e-big-input', big);
		const logged = await page.evaluate(async (project) => {
			const input = document.getElementById('e2e-big-input') as HTMLInputElement;
			const run = await (globalThis as any).cairn.startRun({ project });
			const result = await run.logArtifact('big', input.files![0], { kind: 'model' });
			// The same file again: its chunks are stored, so it is scanned (two threads) and its digest comes from the cache.
			const again = await run.logArtifact('big', input.files![0], { kind: 'model' });
			await run.finish();
			input.remove();
			const file = result.version.files[0];
			const fileAgain = again.version.files[0];
			return {
				created: result.created,
				version: result.version.version,
				path: file.path,
				size: file.size,
				sha256: file.sha256,
				chunks: file.chunks.length,
				again: { version: again.version.version, sha256: fileAgain.sha256, sameChunks: JSON.stringify(fileAgain.chunks) === JSON.stringify(file.chunks) }
			};
		}, PROJECT);
		expect(logged).toEqual({ created: true, version: 1, path: 'big.bin', size: BIG_BYTES, sha256: expected, chunks: 26, again: { version: 1, sha256: expected, sameChunks: true } });

		// Download through the version page's button: same name, same bytes.
		await go(versionPath('big', 1));
		await expect.poll(() => page.locator('[data-testid="files-table"] tr[data-path="big.bin"] [data-testid="sha256"]').textContent()).toBe(expected);
		// The page previews the first file: for a model that is its details, from the first chunk only.
		await page.getByTestId('preview-format').waitFor();
		const saved = await clickAndSave(page.getByRole('button', { name: 'Download big.bin' }));
		expect(saved.name).toBe('big.bin');
		expect(spawnSync('cmp', [big, saved.file]).status).toBe(0);
		rmSync(big);
		rmSync(saved.file);
	});

	it('logs a Uint8Array from the SDK through the worker pool, leaving it intact; one transferred away mid-call fails with SourceChangedError, a cancelled one logs nothing', async () => {
		// Several 16 MiB pieces and a partial chunk, at an offset into a bigger buffer.
		const size = 36 * 1024 * 1024 + 777;
		const seed = 4242;
		const expected = createHash('sha256').update(patternBytes(size, seed)).digest('hex');
		await installPatternBytes(page);
		const out = await page.evaluate(
			async ({ project, size, seed }) => {
				const pattern = (n: number, s: number) => {
					const bytes = new Uint8Array(n + 16).subarray(8, 8 + n);
					bytes.set((globalThis as any).cairnPatternBytes(n, s));
					return bytes;
				};
				const cairn = await (globalThis as any).cairn.getCairn();
				const view = pattern(size, seed);
				const before = Array.from(view.subarray(size - 64));
				const logged = await cairn.logArtifact(project, null, 'sdk-bytes', view, { kind: 'model', path: 'weights.bin' });
				const again = await cairn.logArtifact(project, null, 'sdk-bytes', view, { kind: 'model', path: 'weights.bin' });
				const hashed = await cairn.hash(view);
				const intact = view.byteLength === size && view.byteOffset === 8 && Array.from(view.subarray(size - 64)).every((b, i) => b === before[i]);

				const doomed = pattern(size, seed + 1);
				const call = cairn.logArtifact(project, null, 'sdk-doomed', doomed, { kind: 'model' });
				// Moved to another thread while the worker reads it (an ArrayBuffer transfer detaches it here).
				structuredClone(doomed.buffer, { transfer: [doomed.buffer] });
				const sdk = (globalThis as any).cairn;
				const failure = await call.then(
					() => null,
					(e: Error) => ({ name: e.name, message: e.message, exported: e instanceof sdk.SourceChangedError })
				);
				const doomedVersions = await cairn.db.artifactVersions.filter((v: { name: string }) => v.name === 'sdk-doomed').count();

				// Cancelled at its first progress report: nothing logged, the array untouched.
				const kept = pattern(size, seed + 2);
				const controller = new AbortController();
				const cancelled = await cairn
					.logArtifact(project, null, 'sdk-cancelled', kept, { kind: 'model', signal: controller.signal, onProgress: () => controller.abort() })
					.then(
						() => null,
						(e: Error) => (e instanceof sdk.IngestCancelledError ? e.name : `not the exported class: ${e.name}`)
					);
				const cancelledVersions = await cairn.db.artifactVersions.filter((v: { name: string }) => v.name === 'sdk-cancelled').count();
				const keptIntact = kept.byteLength === size && kept[size - 1] === pattern(size, seed + 2)[size - 1];
				return { sha256: logged.version.files[0].sha256, size: logged.version.files[0].size, hashed, created: again.created, message: again.message, intact, failure, doomedVersions, cancelled, cancelledVersions, keptIntact };
			},
			{ project: PROJECT, size, seed }
		);
		expect(out.sha256).toBe(expected);
		expect(out.size).toBe(size);
		expect(out.hashed).toEqual({ size, sha256: expected });
		expect(out.intact).toBe(true);
		expect(out.created).toBe(false);
		expect(out.message).toMatch(/Identical to sdk-bytes v1: no new version/);
		expect(out.failure?.name).toBe('SourceChangedError');
		expect(out.failure?.exported).toBe(true);
		expect(out.failure?.message).toMatch(/changed while being stored: 37749513 bytes became 0/);
		expect(out.doomedVersions).toBe(0);
		expect(out.cancelled).toBe('IngestCancelledError');
		expect(out.cancelledVersions).toBe(0);
		expect(out.keptIntact).toBe(true);
	});

	it('exports a version as one .tar that `tar -xf` unpacks and `sha256sum -c SHA256SUMS` accepts', async () => {
		const version = await logInPage('bundle', 'model', [
			{ path: 'model/weights.bin', size: 5 * 1024 * 1024 + 7 }, // two chunks
			{ path: 'config.yaml', size: 0, text: 'lr: 0.1\nlayers: [64, 32]\n' },
			{ path: 'eval/report.md', size: 0, text: '# Eval\n\nAccuracy **0.91**.\n' },
			{ path: 'empty.txt', size: 0, text: '' },
			{ path: `${'deep/'.repeat(60)}notes.txt`, size: 0, text: 'a path longer than ustar’s 255 bytes\n' }
		]);
		await go(versionPath('bundle', version));
		const { file, name } = await clickAndSave(page.getByRole('button', { name: 'Export version' }));
		expect(name).toBe(`bundle-v${version}.tar`);
		const out = mkdtempSync(join(work, 'x-'));
		execFileSync('tar', ['-xf', file, '-C', out]);
		const check = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' });
		expect(check.status, check.stdout + check.stderr).toBe(0);
		expect(check.stdout.trim().split('\n').sort()).toEqual(
			['model/weights.bin', 'config.yaml', 'eval/report.md', 'empty.txt', `${'deep/'.repeat(60)}notes.txt`].map((p) => `${p}: OK`).sort()
		);
		expect(readdirSync(out).sort()).toEqual(['SHA256SUMS', 'config.yaml', 'deep', 'empty.txt', 'eval', 'model']);

		// A nested file downloads under its own name (the last path segment).
		const nested = await clickAndSave(page.getByRole('button', { name: 'Download model/weights.bin' }));
		expect(nested.name).toBe('weights.bin');
		expect(sha256sum(nested.file)).toBe(sha256sum(join(out, 'model/weights.bin')));
	});

	it('reports a flipped byte in a stored chunk from preview, download, export and verify, and serves nothing', async () => {
		const version = await logInPage('damaged', 'report', [
			{ path: 'metrics.csv', size: 0, text: 'epoch,loss\n1,0.9\n2,0.5\n' },
			{ path: 'model.bin', size: 6 * 1024 * 1024 }
		]);
		const files = await page.evaluate(
			async ({ project, version }) => {
				const cairn = await (globalThis as any).cairn.getCairn();
				const v = await cairn.artifacts.getVersion(`${project}/damaged/v${version}`);
				return v.files.map((f: any) => ({ path: f.path, chunks: f.chunks as string[] }));
			},
			{ project: PROJECT, version }
		);
		const csvChunk = files.find((f: any) => f.path === 'metrics.csv')!.chunks[0] as string;
		const modelChunk1 = files.find((f: any) => f.path === 'model.bin')!.chunks[1] as string;

		// Flip one byte of each chunk with raw IndexedDB, keeping the row's key (its old hash).
		await page.evaluate(
			async (hashes) => {
				const db = await new Promise<IDBDatabase>((resolve, reject) => {
					const req = indexedDB.open('cairn');
					req.onsuccess = () => resolve(req.result);
					req.onerror = () => reject(req.error);
				});
				const request = <T>(r: IDBRequest<T>) => new Promise<T>((resolve, reject) => ((r.onsuccess = () => resolve(r.result)), (r.onerror = () => reject(r.error))));
				for (const hash of hashes) {
					const row = await request(db.transaction('blobChunks').objectStore('blobChunks').get(hash));
					const bytes = new Uint8Array(await (row.data as Blob).arrayBuffer());
					bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
					await request(db.transaction('blobChunks', 'readwrite').objectStore('blobChunks').put({ ...row, data: new Blob([bytes]) }));
				}
				db.close();
			},
			[csvChunk, modelChunk1]
		);

		const before = downloads.length;
		await go(versionPath('damaged', version));
		// Preview (the first file is shown): an alert naming the file and chunk, no table.
		const previewAlert = page.getByTestId('preview-error');
		await expect.poll(() => previewAlert.textContent()).toMatch(/Chunk 0 of "metrics\.csv" in art-bytes\/damaged\/v\d+ is corrupted/);
		expect(await previewAlert.getAttribute('role')).toBe('alert');
		expect(await page.getByTestId('csv-table').count()).toBe(0);

		// Download: refused with the chunk named; no download starts.
		await page.getByRole('button', { name: 'Download model.bin' }).click();
		const alert = (text: string) => page.getByRole('alert').filter({ hasText: text });
		await expect.poll(() => alert('Could not download').textContent()).toMatch(/Chunk 1 of "model\.bin" in art-bytes\/damaged\/v\d+ is corrupted/);
		// Export: refused the same way (it verifies every file first).
		await page.getByRole('button', { name: 'Export version' }).click();
		await expect.poll(() => alert('Could not export').textContent()).toMatch(/Chunk 0 of "metrics\.csv" in art-bytes\/damaged\/v\d+ is corrupted/);

		// Verify lists both damaged chunks.
		await page.getByTestId('verify-version').getByRole('button', { name: 'Verify' }).click();
		const problems = page.getByTestId('verify-version-problems');
		await expect.poll(() => problems.locator('tbody tr').count()).toBe(2);
		const rows = await problems.locator('tbody tr').allTextContents();
		expect(rows.some((r) => /metrics\.csv\s*0\s*corrupted/.test(r))).toBe(true);
		expect(rows.some((r) => /model\.bin\s*1\s*corrupted/.test(r))).toBe(true);

		await page.waitForTimeout(500);
		expect(downloads.length).toBe(before);
		if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'corrupted.png'), fullPage: true });
	});

	it('previews images, sanitized SVG, CSV, confusion matrices, Markdown and model files', async () => {
		const xss = '<script>window.__svgRan = 1</script>';
		await page.evaluate(
			async ({ project, xss }) => {
				// A small line plot drawn on a canvas, as a PNG.
				const canvas = document.createElement('canvas');
				canvas.width = 480;
				canvas.height = 240;
				const g = canvas.getContext('2d')!;
				g.fillStyle = '#fff';
				g.fillRect(0, 0, 480, 240);
				g.strokeStyle = '#2f5d50';
				g.lineWidth = 3;
				g.beginPath();
				for (let x = 0; x <= 460; x += 4) g.lineTo(10 + x, 220 - 200 * Math.exp(-x / 90) - 6 * Math.sin(x / 7));
				g.stroke();
				const png = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), 'image/png'));
				const csv = ['id,label,"note, with comma",score'];
				for (let i = 1; i <= 1500; i++) csv.push(`${i},${i % 3 ? 'cat' : 'dog'},"said ""hi""\non two lines",${(i / 1500).toFixed(4)}`);
				const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" onload="window.__svgRan=2">${xss}<rect width="120" height="60" fill="#c94"/><circle cx="30" cy="30" r="20" fill="#2f5d50"/></svg>`;
				const confusion = { labels: ['setosa', 'versicolor', 'virginica'], matrix: [[50, 0, 0], [0, 46, 4], [0, 3, 47]] };
				const md = '# Evaluation report\n\n| split | acc |\n| --- | --- |\n| val | 0.94 |\n\n- macro F1 **0.93**\n\n<img src="data:," onerror="window.__mdRan=1"><script>window.__mdRan=2</script>\n';
				const pt = new Uint8Array(256);
				pt.set([0x50, 0x4b, 0x03, 0x04]);
				const cairn = await (globalThis as any).cairn.getCairn();
				await cairn.logArtifact(project, null, 'previews', [
					{ path: 'plots/loss.png', data: png },
					{ path: 'table.csv', data: csv.join('\r\n') },
					{ path: 'confusion.json', data: JSON.stringify(confusion) },
					{ path: 'report.md', data: md },
					{ path: 'plots/diagram.svg', data: svg },
					{ path: 'model.pt', data: pt },
					{ path: 'config.yaml', data: 'lr: 0.05\nepochs: 20\n' }
				], { kind: 'report' });
			},
			{ project: PROJECT, xss }
		);
		await go(versionPath('previews', 1));
		const shot = async (name: string) => {
			if (!SCREENSHOTS) return;
			mkdirSync(SCREENSHOTS, { recursive: true });
			await page.locator('.preview').screenshot({ path: join(SCREENSHOTS, `preview-${name}.png`) });
		};
		const preview = async (path: string) => {
			await page.getByRole('button', { name: `Preview ${path}`, exact: true }).click();
			await page.locator('#preview-heading', { hasText: path }).waitFor();
		};

		await preview('plots/loss.png');
		const img = page.getByTestId('preview-image');
		await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(480);
		expect(await img.getAttribute('src')).toMatch(/^blob:/);
		await shot('image');

		await preview('table.csv');
		const table = page.getByTestId('csv-table');
		await expect.poll(() => table.locator('tbody tr').count()).toBe(1000);
		expect(await table.locator('thead th').allTextContents()).toEqual(['row#', 'id', 'label', 'note, with comma', 'score']);
		expect(await table.locator('tbody tr').first().locator('td').allTextContents()).toEqual(['1', 'cat', 'said "hi"\non two lines', '0.0007']);
		expect(await page.getByTestId('csv-note').textContent()).toMatch(/Showing the first 1,000 rows/);
		await shot('csv');

		await preview('confusion.json');
		const cm = page.getByTestId('confusion-matrix');
		await cm.waitFor();
		expect(await cm.locator('caption').textContent()).toMatch(/rows are the true label, columns the predicted label[\s\S]*Accuracy 95%/);
		expect(await cm.locator('tbody th[scope="row"]').allTextContents()).toEqual(['setosa', 'versicolor', 'virginica']);
		expect(await cm.locator('tbody tr').nth(1).locator('td.cell .count').allTextContents()).toEqual(['0', '46', '4']);
		await shot('confusion');

		await preview('report.md');
		const md = page.getByTestId('preview-markdown');
		await md.locator('h1', { hasText: 'Evaluation report' }).waitFor();
		expect(await md.locator('table td').allTextContents()).toEqual(['val', '0.94']);
		expect(await md.locator('script').count()).toBe(0);
		expect(await md.locator('img').getAttribute('onerror')).toBeNull();
		await shot('markdown');

		await preview('plots/diagram.svg');
		const svgImg = page.getByTestId('preview-image');
		await expect.poll(() => svgImg.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(120);
		const svgText = await svgImg.evaluate(async (el: HTMLImageElement) => (await fetch(el.src)).text());
		expect(svgText).not.toMatch(/script|onload/i);
		expect(await page.locator('.preview svg').count()).toBe(0); // never inlined
		await shot('svg');

		await preview('model.pt');
		await expect.poll(() => page.getByTestId('preview-format').textContent()).toBe('PyTorch (zip archive)');
		expect(await page.getByTestId('preview-details').textContent()).toMatch(/256 bytes/);
		await shot('model');

		await preview('config.yaml');
		await expect.poll(() => page.getByTestId('preview-text').textContent()).toBe('lr: 0.05\nepochs: 20\n');

		expect(await page.evaluate(() => [(globalThis as any).__svgRan, (globalThis as any).__mdRan])).toEqual([undefined, undefined]);
		expect(profile.errors).toEqual([]);
	});
});
