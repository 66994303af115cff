/**
 * Artifact pages in real Chromium: files dropped on a run page are uploaded with
 * progress and show the SHA-256 `sha256sum` would print; the same bytes again make
 * no new version; a large upload can be cancelled and leaves nothing; a folder
 * dragged from disk (a CDP drag, as the OS hands it over) or chosen with the
 * folder picker keeps its relative paths; lock rules hold through the UI (no
 * delete, no alias move, unlock needs a reason) and the alias history records
 * every move; a hash's copy button copies it; the storage panel shows what
 * dedup saved and deleting a chunk's last version frees it; "Verify all" names
 * a corrupted chunk.
 *
 * Set CAIRN_SCREENSHOTS=dir to save screenshots of the run and version pages.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { dropPattern as dropOn, patternBytes } from './drop';
import { cleanupProfiles, launchProfile, startApp, type App, type Profile, navigate } from './harness';

const PROJECT = 'art-ui';
const SCREENSHOTS = process.env.CAIRN_SCREENSHOTS;

let app: App;
let profile: Profile;
let page: Page;
let runId: string;

beforeAll(async () => {
	app = await startApp();
	profile = await launchProfile();
	page = await profile.context.newPage();
	await page.setViewportSize({ width: 1280, height: 900 });
	await page.goto(app.url);
	await page.waitForFunction(() => 'cairn' in globalThis);
	runId = await page.evaluate(async (project) => {
		const run = await (globalThis as any).cairn.startRun({ project, name: 'trainer', data: { source: 's3://lake/churn.parquet', version: '2026-11' } });
		await run.finish();
		return run.id as string;
	}, PROJECT);
});

afterAll(async () => {
	await app?.close();
	await cleanupProfiles();
});

/** Drops a File of patternBytes(size, seed) named `name` on the run page's zone. */
const dropPattern = (name: string, size: number, seed: number) => dropOn(page, name, size, seed);

/** Resolves true once the upload progress bar has been seen (watching from before the click). */
function watchForProgress() {
	return page.evaluate(() => {
		(globalThis as any).__sawProgress = false;
		const seen = () => document.querySelector('[data-testid="upload-progress"]');
		const observer = new MutationObserver(() => {
			if (seen()) {
				(globalThis as any).__sawProgress = true;
				observer.disconnect();
			}
		});
		observer.observe(document.body, { subtree: true, childList: true });
	});
}

/** Client-side navigation (keeps the page's JS state); see harness.ts. */
const go = (path: string) => navigate(page, app.url, path);

async function openRunPage() {
	await go(`/p/${PROJECT}/r/${runId}`);
	await page.getByTestId('artifact-drop-zone').waitFor();
}

describe('artifact pages', () => {
	it('uploads a dropped file with progress, shows its sha256sum, and makes no new version for the same bytes', async () => {
		const size = 5 * 1024 * 1024 + 123; // two chunks, the second partial
		const expected = createHash('sha256').update(patternBytes(size, 7)).digest('hex');
		await openRunPage();
		await dropPattern('Churn Model.onnx', size, 7);
		await expect.poll(() => page.getByTestId('artifact-name').inputValue()).toBe('churn-model');
		expect(await page.getByTestId('artifact-kind').inputValue()).toBe('model');

		await watchForProgress();
		const meter = page.getByTestId('storage-meter');
		const usedBefore = await meter.textContent();
		await page.getByRole('button', { name: 'Upload' }).click();
		const result = page.getByTestId('upload-result');
		await expect.poll(() => result.textContent(), { timeout: 30_000 }).toContain('Logged churn-model v1');
		// The header's storage meter follows the chunk writes (not only its 10 s refresh).
		await expect.poll(() => meter.textContent(), { timeout: 5_000 }).not.toBe(usedBefore);
		expect(await page.evaluate(() => (globalThis as any).__sawProgress)).toBe(true);
		await page.getByTestId('run-produced').getByRole('link', { name: 'churn-model v1' }).waitFor();
		if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'run-page.png'), fullPage: true });

		// Same bytes again: the store says so and creates nothing.
		await dropPattern('Churn Model.onnx', size, 7);
		await page.getByRole('button', { name: 'Upload' }).click();
		await expect.poll(() => result.textContent(), { timeout: 30_000 }).toContain('Identical to churn-model v1: no new version was created');
		expect(await page.getByTestId('run-produced').locator('tbody tr').count()).toBe(1);

		await result.getByRole('link').click();
		await page.waitForURL(`**/p/${PROJECT}/artifacts/churn-model/v/1`);
		const row = page.locator('[data-testid="files-table"] tr[data-path="Churn Model.onnx"]');
		await expect.poll(() => row.getByTestId('sha256').textContent()).toBe(expected);
		expect(await row.textContent()).toContain('5.2 MB');
		expect(await page.getByTestId('lineage').textContent()).toMatch(/s3:\/\/lake\/churn\.parquet[\s\S]*trainer[\s\S]*churn-model v1/);
		if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'version-page.png'), fullPage: true });

		// The project's artifacts list: the latest version's SHA-256 and the runs that used it.
		await go(`/p/${PROJECT}/artifacts`);
		const listed = page.locator('[data-testid="artifacts-table"] tbody tr').filter({ has: page.getByRole('link', { name: 'churn-model', exact: true }) });
		await expect.poll(() => listed.getByTestId('sha256').getAttribute('title')).toBe(expected);
		expect(await listed.getByTestId('sha256').textContent()).toBe(`${expected.slice(0, 12)}…`);
		expect(await listed.getByTestId('used-by').textContent()).toBe('0 runs');
		await page.evaluate(async (project) => {
			const run = await (globalThis as any).cairn.startRun({ project, name: 'scorer' });
			await run.useArtifact('churn-model', 'v1');
		}, PROJECT);
		await expect.poll(() => listed.getByTestId('used-by').textContent()).toBe('1 run');
	});

	it('shows progress on a 48 MiB upload and cancels it, leaving no version', async () => {
		await openRunPage();
		await page.evaluate(() => {
			// 48 MiB of random bytes, 64 KiB per getRandomValues call (its limit).
			const parts: Uint8Array<ArrayBuffer>[] = [];
			for (let i = 0; i < 768; i++) parts.push(crypto.getRandomValues(new Uint8Array(65536)));
			const transfer = new DataTransfer();
			transfer.items.add(new File(parts, 'big.bin'));
			const zone = document.querySelector('[data-testid="artifact-drop-zone"]')!;
			for (const type of ['dragenter', 'dragover', 'drop'])
				zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
		});
		await page.getByTestId('artifact-name').fill('big-blob');
		// Press Cancel as soon as the bar has moved, recording what it said.
		await page.evaluate(() => {
			const observer = new MutationObserver(() => {
				const bar = document.querySelector<HTMLProgressElement>('[data-testid="upload-progress"] progress');
				if (!bar || bar.value <= 0) return;
				(globalThis as any).__progressText = document.querySelector('[data-testid="upload-progress-text"]')?.textContent;
				(globalThis as any).__progressValue = bar.value;
				observer.disconnect();
				// The upload's own Cancel (other dialogs on the page have Cancel buttons too).
				[...document.querySelectorAll('[data-testid="artifact-upload-form"] button')]
					.find((b) => b.textContent?.trim() === 'Cancel')
					?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
			});
			observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
		});
		await page.getByRole('button', { name: 'Upload' }).click();
		await expect.poll(() => page.getByTestId('upload-result').textContent(), { timeout: 30_000 }).toContain('Upload cancelled: no version was created.');
		const seen = await page.evaluate(() => ({ text: (globalThis as any).__progressText as string, value: (globalThis as any).__progressValue as number }));
		expect(seen.value).toBeGreaterThan(0);
		expect(seen.text).toMatch(/of 50 MB · .*MB\/s/);
		const stored = await page.evaluate(async (project) => {
			const cairn = await (globalThis as any).cairn.getCairn();
			return (await cairn.artifacts.getArtifact(project, 'big-blob')) ?? null;
		}, PROJECT);
		expect(stored).toBeNull();
	});

	it('logs a folder — dragged from the file system or chosen with the folder picker — as one version with its relative paths; a hash copies', async () => {
		// A model directory on disk, as a training job leaves it.
		const root = await mkdtemp(join(tmpdir(), 'cairn-folder-'));
		const files: Record<string, Uint8Array> = {
			'config.json': new TextEncoder().encode('{"layers": 12, "hidden": 768}'),
			'weights.bin': patternBytes(4 * 1024 * 1024 + 5, 11),
			'tokenizer/vocab.txt': new TextEncoder().encode('[PAD]\n[UNK]\nthe\n')
		};
		const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
		try {
			for (const [path, bytes] of Object.entries(files)) {
				await mkdir(join(root, 'bert-tiny', path, '..'), { recursive: true });
				await writeFile(join(root, 'bert-tiny', path), bytes);
			}
			const folder = join(root, 'bert-tiny');
			const stagedPaths = async () => (await page.locator('[data-testid="artifact-upload-form"] tbody td.mono').allTextContents()).sort();
			/** Files left staged on the run page (the cancelled upload's) are cleared first, as a user would. */
			const openCleared = async () => {
				await openRunPage();
				const form = page.getByTestId('artifact-upload-form');
				if (await form.count()) await form.getByRole('button', { name: 'Clear' }).click();
				await form.waitFor({ state: 'detached' });
			};
			const upload = async (expected: string) => {
				await page.getByRole('button', { name: 'Upload' }).click();
				await expect.poll(() => page.getByTestId('upload-result').textContent(), { timeout: 30_000 }).toContain(expected);
			};

			// A real drag of the directory, as the OS hands it to Chromium (entries, not a scripted DataTransfer).
			await openCleared();
			// CDP drags at viewport coordinates: bring the zone into view first.
			await page.getByTestId('artifact-drop-zone').scrollIntoViewIfNeeded();
			const zone = await page.getByTestId('artifact-drop-zone').boundingBox();
			if (!zone) throw new Error('no drop zone');
			const cdp = await page.context().newCDPSession(page);
			const at = { x: zone.x + zone.width / 2, y: zone.y + zone.height / 2 };
			const data = { items: [], files: [folder], dragOperationsMask: 1 };
			for (const type of ['dragEnter', 'dragOver', 'drop'] as const) await cdp.send('Input.dispatchDragEvent', { type, ...at, data });
			await cdp.detach();
			await expect.poll(stagedPaths).toEqual(['config.json', 'tokenizer/vocab.txt', 'weights.bin']);
			expect(await page.getByTestId('artifact-name').inputValue()).toBe('bert-tiny');
			expect(await page.getByTestId('artifact-kind').inputValue()).toBe('model');
			await upload('Logged bert-tiny v1');

			await page.getByTestId('upload-result').getByRole('link').click();
			await page.waitForURL(`**/p/${PROJECT}/artifacts/bert-tiny/v/1`);
			for (const [path, bytes] of Object.entries(files)) {
				const row = page.locator(`[data-testid="files-table"] tr[data-path="${path}"]`);
				await expect.poll(() => row.getByTestId('sha256').textContent(), { message: path }).toBe(sha(bytes));
			}
			// The copy button puts the full hash on the clipboard and says so.
			await profile.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(app.url).origin });
			const configRow = page.locator('[data-testid="files-table"] tr[data-path="config.json"]');
			await configRow.getByRole('button', { name: /^Copy SHA-256 of config\.json/ }).click();
			await expect.poll(() => configRow.locator('[aria-live="polite"]').textContent()).toBe('Copied');
			expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(sha(files['config.json']!));

			// The folder picker gives the same files (File.webkitRelativePath): the same content, so no new version.
			await openCleared();
			await page.setInputFiles('input[type="file"][webkitdirectory]', folder);
			await expect.poll(stagedPaths).toEqual(['config.json', 'tokenizer/vocab.txt', 'weights.bin']);
			expect(await page.getByTestId('artifact-name').inputValue()).toBe('bert-tiny');
			await upload('Identical to bert-tiny v1: no new version was created');
		} finally {
			await rm(root, { recursive: true, force: true });
		}
	});

	it('enforces lock rules: no delete, no alias move until unlocked with a reason; the alias history lists the moves', async () => {
		await page.evaluate(async (project) => {
			const cairn = await (globalThis as any).cairn.getCairn();
			await cairn.logArtifact(project, null, 'thresholds', 'threshold: 0.5\n', { kind: 'config', path: 'thresholds.yaml' });
			await cairn.logArtifact(project, null, 'thresholds', 'threshold: 0.6\n', { kind: 'config', path: 'thresholds.yaml' });
		}, PROJECT);
		const artifactUrl = `/p/${PROJECT}/artifacts/thresholds`;
		const v1Url = `${artifactUrl}/v/1`;

		// Lock v1, then point "production" at it.
		await go(v1Url);
		await page.getByTestId('lock-reason').fill('approved');
		await page.getByRole('button', { name: 'Lock', exact: true }).click();
		await page.getByTestId('lock-state').waitFor();
		await go(artifactUrl);
		await page.getByTestId('alias-name').fill('production');
		await page.getByTestId('alias-version').selectOption('1');
		await page.getByRole('button', { name: 'Set alias' }).click();
		await expect.poll(() => page.getByTestId('alias-list').textContent()).toMatch(/production\s*→\s*v1/);

		// A locked version cannot be deleted: the store's refusal is shown, no confirm dialog.
		await go(v1Url);
		await page.getByTestId('delete-version').click();
		await expect.poll(() => page.getByTestId('version-error').textContent()).toMatch(/LockedError: .*thresholds\/v1 is locked/);
		expect(await page.getByTestId('confirm-delete').isVisible()).toBe(false);

		// Its alias cannot be moved.
		await go(artifactUrl);
		await page.getByTestId('alias-name').fill('production');
		await page.getByTestId('alias-version').selectOption('2');
		await page.getByRole('button', { name: 'Set alias' }).click();
		await expect.poll(() => page.getByTestId('alias-error').textContent()).toMatch(/LockedError: Alias "production" points at .*v1.* is locked/);

		// Unlocking needs a reason.
		await go(v1Url);
		await page.getByRole('button', { name: 'Unlock…' }).click();
		await page.getByRole('button', { name: 'Unlock', exact: true }).click();
		await expect.poll(() => page.getByTestId('version-error').textContent()).toMatch(/unlock reason/);
		await page.getByTestId('unlock-reason').fill('threshold too strict');
		await page.getByRole('button', { name: 'Unlock', exact: true }).click();
		await page.getByTestId('lock-reason').waitFor();
		expect(await page.getByTestId('locked-badge').count()).toBe(0);

		// Now the alias moves, and the history shows both moves.
		await go(artifactUrl);
		await page.getByTestId('alias-name').fill('production');
		await page.getByTestId('alias-version').selectOption('2');
		await page.getByTestId('alias-reason').fill('rollout');
		await page.getByRole('button', { name: 'Set alias' }).click();
		await expect.poll(() => page.getByTestId('alias-list').textContent()).toMatch(/production\s*→\s*v2/);
		const history = await page.getByTestId('alias-history').locator('tbody tr').allTextContents();
		const moves = history.filter((row) => row.includes('production'));
		expect(moves[0]).toMatch(/production\s*v1 → v2.*rollout/);
		expect(moves[1]).toMatch(/production\s*— → v1/);

		// v1 is now unlocked and unaliased: deleting asks first, then frees it.
		await go(v1Url);
		await page.getByTestId('delete-version').click();
		await page.getByTestId('confirm-delete').getByRole('button', { name: 'Delete', exact: true }).click();
		await page.waitForURL(new URL(artifactUrl, app.url).href);
		await expect.poll(() => page.locator('[data-testid="versions-table"] tbody tr').count()).toBe(1);
		if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'artifact-page.png'), fullPage: true });
		expect(profile.errors).toEqual([]);
	});

	it('shows storage per project and artifact with the bytes dedup saved, and frees a chunk when the last version using it is deleted', async () => {
		const project = 'art-storage';
		// encoder v1 and encoder-copy v1 hold the same 3 MiB (one chunk, stored once); encoder v2 another 1 MiB.
		await page.evaluate(async (project) => {
			const cairn = await (globalThis as any).cairn.getCairn();
			const random = (n: number) => {
				const out = new Uint8Array(n);
				for (let at = 0; at < n; at += 65536) crypto.getRandomValues(out.subarray(at, at + 65536));
				return out;
			};
			const shared = random(3 * 1024 * 1024);
			await cairn.logArtifact(project, null, 'encoder', shared, { kind: 'model', path: 'encoder.bin' });
			await cairn.logArtifact(project, null, 'encoder-copy', shared, { kind: 'model', path: 'encoder.bin' });
			await cairn.logArtifact(project, null, 'encoder', random(1024 * 1024), { kind: 'model', path: 'encoder.bin' });
		}, project);
		const listUrl = `/p/${project}/artifacts`;
		const panel = async () => (await page.getByTestId('artifact-storage').locator('tr').allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim());
		const storedColumn = async (name: string) => {
			const row = page.locator('[data-testid="artifacts-table"] tbody tr').filter({ has: page.getByRole('link', { name, exact: true }) });
			return (await row.getByTestId('stored').textContent())?.trim();
		};
		const deleteVersion = async (name: string, version: number) => {
			await go(`${listUrl}/${name}/v/${version}`);
			await page.getByTestId('delete-version').click();
			await page.getByTestId('confirm-delete').getByRole('button', { name: 'Delete', exact: true }).click();
			await page.waitForURL(new URL(`${listUrl}/${name}`, app.url).href);
		};

		await go(listUrl);
		await expect.poll(panel).toEqual(expect.arrayContaining(['files as logged 7.3 MB', 'stored (unique chunks) 4.2 MB', 'saved by dedup 3.1 MB']));
		expect(await storedColumn('encoder')).toBe('4.2 MB');
		expect(await storedColumn('encoder-copy')).toBe('3.1 MB');

		// Deleting the copy frees nothing (encoder v1 still uses the chunk) and dedup saves nothing any more.
		await deleteVersion('encoder-copy', 1);
		await go(listUrl);
		await expect.poll(panel).toEqual(expect.arrayContaining(['files as logged 4.2 MB', 'stored (unique chunks) 4.2 MB', 'saved by dedup 0 B']));

		// Deleting encoder v1, the chunk's last user, frees its 3 MiB at once.
		await deleteVersion('encoder', 1);
		await go(listUrl);
		await expect.poll(panel).toEqual(expect.arrayContaining(['files as logged 1.0 MB', 'stored (unique chunks) 1.0 MB', 'saved by dedup 0 B']));
		expect(await storedColumn('encoder')).toBe('1.0 MB');
		expect(profile.errors).toEqual([]);
	});

	it('links consuming runs in the lineage and checks a dataset reference against a local file', async () => {
		const csv = Buffer.from('a,b\n1,2\n');
		const sha256 = createHash('sha256').update(csv).digest('hex');
		await page.evaluate(
			async ({ project, sha256, size }) => {
				const sdk = (globalThis as any).cairn;
				const cairn = await sdk.getCairn();
				await cairn.logDatasetRef(project, null, 'churn-data', { uri: 's3://lake/churn.csv', version: '2026-11', sha256, size });
				const run = await sdk.startRun({ project, name: 'evaluator' });
				await run.useArtifact('churn-model', 'v1');
				await run.finish();
			},
			{ project: PROJECT, sha256, size: csv.length }
		);
		await go(`/p/${PROJECT}/artifacts/churn-model/v/1`);
		await page.getByTestId('lineage').getByRole('link', { name: 'evaluator' }).waitFor();

		await go(`/p/${PROJECT}/artifacts/churn-data/v/latest`);
		const check = page.getByLabel('Verify against a local file');
		await check.setInputFiles({ name: 'churn.csv', mimeType: 'text/csv', buffer: csv });
		await expect.poll(() => page.getByTestId('dataset-check').textContent()).toContain('Match: churn.csv has the recorded SHA-256 and size');
		await check.setInputFiles({ name: 'other.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b\n1,3\n') });
		await expect.poll(() => page.getByTestId('dataset-check').textContent()).toContain('Mismatch: other.csv');
		if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'dataset-page.png'), fullPage: true });

		// Listed with the size it declares, not the 0 bytes it stores.
		await go(`/p/${PROJECT}/artifacts`);
		const listed = page.locator('[data-testid="artifacts-table"] tbody tr').filter({ has: page.getByRole('link', { name: 'churn-data', exact: true }) });
		await expect.poll(() => listed.getByTestId('latest-size').textContent()).toBe('8 B referenced');
	});

	it('verifies every stored chunk and names a corrupted one by artifact, version, file and chunk', async () => {
		await go(`/p/${PROJECT}/artifacts`);
		const verify = page.getByTestId('verify-all');
		await verify.getByRole('button', { name: 'Verify all' }).click();
		await expect.poll(() => verify.getByTestId('verify-all-ok').textContent().catch(() => '')).toMatch(/All \d+ chunks intact/);
		await page.getByTestId('collect-garbage').click();
		await page.getByTestId('gc-result').waitFor();

		// Flip one byte of the second chunk of churn-model v1, behind the app's back.
		await page.evaluate(async (project) => {
			const cairn = await (globalThis as any).cairn.getCairn();
			const version = await cairn.artifacts.resolve(project, 'churn-model', 1);
			const row = await cairn.db.blobChunks.get(version.files[0].chunks[1]);
			const bytes = new Uint8Array(await row.data.arrayBuffer());
			bytes[10] = (bytes[10] ?? 0) ^ 0xff;
			await cairn.db.blobChunks.put({ ...row, data: new Blob([bytes]) });
		}, PROJECT);
		await verify.getByRole('button', { name: 'Verify all' }).click();
		const problems = verify.getByTestId('verify-all-problems').locator('tbody tr');
		await expect.poll(() => problems.count()).toBe(1);
		const cells = await problems.first().locator('td').allTextContents();
		expect(cells.slice(0, 4)).toEqual(['churn-model', 'v1', 'Churn Model.onnx', '1']);
		expect(cells[4]).toMatch(/^corrupted/);
		if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'artifacts-page.png'), fullPage: true });
		expect(profile.errors).toEqual([]);
	});
});
