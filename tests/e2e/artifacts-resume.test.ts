/**
 * A tab closed in the middle of an upload leaves no visible version, and
 * re-logging the same file afterwards resumes: chunks stored before the tab
 * died are found by their hash and not written again.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cleanupProfiles, launchProfile, startApp, type App, type Profile } from './harness';

let app: App;
let profile: Profile;
beforeAll(async () => {
	app = await startApp();
	profile = await launchProfile();
});
afterAll(async () => {
	await profile?.close();
	await app?.close();
	await cleanupProfiles();
});

/** The same 96 MiB of pseudo-random bytes in any page (xorshift32 from a seed), kept on the page as a File. */
const MAKE_FILE = `(() => {
	const size = 96 * 1024 * 1024;
	const bytes = new Uint8Array(size);
	const words = new Uint32Array(bytes.buffer);
	let x = 12345;
	for (let i = 0; i < words.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; words[i] = x >>> 0; }
	globalThis.__file = new File([bytes], 'weights.bin');
})()`;

it('closing the tab mid-upload leaves no version; re-logging resumes without rewriting stored chunks', async () => {
	const first = await profile.context.newPage();
	await first.goto(app.url);
	await first.waitForFunction(() => 'cairn' in globalThis);
	await first.evaluate(MAKE_FILE);
	// Start the upload and close the tab once some chunks are stored but before the version commits.
	await first.evaluate(async () => {
		const g = globalThis as any;
		const run = await g.cairn.startRun({ project: 'resume', name: 'interrupted' });
		g.__progress = 0;
		void run.logArtifact('big-model', g.__file, { kind: 'model', onProgress: (p: { bytesDone: number }) => (g.__progress = p.bytesDone) }).catch(() => undefined);
	});
	await first.waitForFunction(() => (globalThis as any).__progress >= 24 * 1024 * 1024, undefined, { timeout: 30_000 });
	await first.close();

	const second = await profile.context.newPage();
	await second.goto(app.url);
	await second.waitForFunction(() => 'cairn' in globalThis);
	const result = await second.evaluate(async (script) => {
		const g = globalThis as any;
		const c = await g.cairn.getCairn();
		const versionsBefore = await c.db.artifactVersions.count();
		const chunksBefore = await c.db.blobChunks.count();
		(0, eval)(script);
		const run = await g.cairn.startRun({ project: 'resume', name: 'retry' });
		const logged = await run.logArtifact('big-model', g.__file, { kind: 'model' });
		await run.finish();
		return { versionsBefore, chunksBefore, created: logged.created, version: logged.version.version, size: logged.version.size, newBytes: logged.newBytes };
	}, MAKE_FILE);
	expect(result.versionsBefore).toBe(0);
	expect(result.chunksBefore).toBeGreaterThan(0);
	expect(result).toMatchObject({ created: true, version: 1, size: 96 * 1024 * 1024 });
	// Resumed: the chunks stored before the tab closed were not written again.
	expect(result.newBytes).toBe(96 * 1024 * 1024 - result.chunksBefore * 4 * 1024 * 1024);
	await second.close();
});
