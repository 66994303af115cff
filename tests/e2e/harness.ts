/**
 * Real-Chromium helpers for tests/e2e (and anything else driving the built app).
 *
 * - `startApp()` serves build/ on 127.0.0.1 with a free port (scripts/serve.mjs).
 * - `launchProfile(dir?)` opens a persistent Chromium profile (real on-disk
 *   IndexedDB and service worker storage, unlike an incognito context); pass the
 *   same `dir` again to simulate a browser restart.
 * - Every page of a profile reports console errors and uncaught exceptions into
 *   `profile.errors`; assert it is empty at the end of a test.
 * - `cleanupProfiles()` closes every profile still open and deletes the temp dirs.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { DEFAULT_ROOT, startServer } from '../../scripts/serve.mjs';

export { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/chromium.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/chromium.mjs';

/** How long to wait for the service worker to install and take control. */
const SERVICE_WORKER_TIMEOUT_MS = 30_000;

export interface App {
	/** Base URL with a trailing slash, e.g. http://127.0.0.1:41234/ */
	url: string;
	/** The signaling relay on the same server, e.g. ws://127.0.0.1:41234/signal */
	signalingUrl: string;
	/** Stops the server and drops its open connections: the app is now "offline". */
	close(): Promise<void>;
}

/** What the signaling relay forwarded: tests assert no plaintext ever passes through it. */
export interface RelayCapture {
	topic: string;
	payload: Uint8Array;
}

/** Serves build/ and the signaling relay on 127.0.0.1 at a free port; `capture` sees every relayed message. */
export async function startApp(options: { capture?: (entry: RelayCapture) => void } = {}): Promise<App> {
	if (!existsSync(join(DEFAULT_ROOT, 'index.html'))) {
		throw new Error(`No built app at ${DEFAULT_ROOT}: run \`npm run build\` first`);
	}
	const running = await startServer({ port: 0, host: '127.0.0.1', root: DEFAULT_ROOT, capture: options.capture });
	let closed = false;
	return {
		url: running.url,
		signalingUrl: running.signalingUrl ?? `${running.url.replace(/^http/, 'ws')}signal`,
		close: async () => {
			if (closed) return;
			closed = true;
			await running.close();
		},
	};
}

export interface Profile {
	context: BrowserContext;
	/** The profile's user-data dir; pass it to `launchProfile` to reopen it. */
	dir: string;
	/** Console errors and uncaught page errors from every page of this context. */
	errors: string[];
	/** Closes the browser (the profile dir stays for a relaunch). */
	close(): Promise<void>;
}

const openProfiles = new Set<Profile>();
const tempDirs = new Set<string>();

/**
 * Console errors Chromium logs by itself when the server is gone but the service
 * worker serves the app: the registration's update check cannot fetch sw.js.
 */
export const OFFLINE_CONSOLE_NOISE = [/^console\.error: An unknown error occurred when fetching the script\./];

/** `errors` minus the expected offline noise; assert this is empty in offline tests. */
export function withoutOfflineNoise(errors: readonly string[]): string[] {
	return errors.filter((error) => !OFFLINE_CONSOLE_NOISE.some((pattern) => pattern.test(error)));
}

/** Collects console errors and uncaught exceptions of `page` into `errors`. */
export function collectErrors(page: Page, errors: string[]): void {
	page.on('console', (message) => {
		if (message.type() === 'error') {
			const where = message.location().url;
			errors.push(`console.error: ${message.text()}${where ? ` (${where})` : ''}`);
		}
	});
	page.on('pageerror', (error) => {
		errors.push(`pageerror: ${error.stack ?? error.message}`);
	});
}

/**
 * Launches headless Chromium on a persistent profile: a fresh temp dir, or `dir`
 * to reopen an earlier one (same IndexedDB, same service worker).
 */
export async function launchProfile(dir?: string): Promise<Profile> {
	if (!existsSync(CHROMIUM_PATH)) {
		throw new Error(
			`Chromium not found at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`,
		);
	}
	let profileDir = dir;
	if (!profileDir) {
		profileDir = await mkdtemp(join(tmpdir(), 'cairn-profile-'));
		tempDirs.add(profileDir);
	}
	const context = await chromium.launchPersistentContext(profileDir, {
		executablePath: CHROMIUM_PATH,
		headless: true,
		args: CHROMIUM_ARGS,
	});
	const errors: string[] = [];
	for (const page of context.pages()) collectErrors(page, errors);
	context.on('page', (page) => collectErrors(page, errors));
	const profile: Profile = {
		context,
		dir: profileDir,
		errors,
		close: async () => {
			openProfiles.delete(profile);
			await context.close();
		},
	};
	openProfiles.add(profile);
	return profile;
}

/** The profile's first page (a persistent context opens with one blank tab). */
export async function firstPage(profile: Profile): Promise<Page> {
	return profile.context.pages()[0] ?? (await profile.context.newPage());
}

/**
 * Waits until a service worker is active and controls `page`, reloading once if
 * the worker activated without claiming this page. Fails with a clear message
 * instead of hanging when the worker never installs.
 */
export async function waitForServiceWorker(page: Page): Promise<void> {
	const ready = page.evaluate(async () => {
		const registration = await navigator.serviceWorker.ready;
		return registration.active?.state ?? 'none';
	});
	const timeout = new Promise<never>((_, reject) =>
		setTimeout(
			() => reject(new Error(`service worker not ready after ${SERVICE_WORKER_TIMEOUT_MS} ms at ${page.url()}`)),
			SERVICE_WORKER_TIMEOUT_MS,
		).unref(),
	);
	await Promise.race([ready, timeout]);
	const controlled = () => page.evaluate(() => navigator.serviceWorker.controller !== null);
	if (await controlled()) return;
	try {
		await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 5_000 });
	} catch {
		await page.reload();
		if (!(await controlled())) throw new Error(`service worker does not control ${page.url()} after reload`);
	}
}

/** Closes every profile still open and removes the temp dirs this module created. */
export async function cleanupProfiles(): Promise<void> {
	await Promise.allSettled([...openProfiles].map((profile) => profile.close()));
	await Promise.allSettled([...tempDirs].map((dir) => rm(dir, { recursive: true, force: true })));
	tempDirs.clear();
}

/**
 * Client-side navigation, as a user following a link does: SvelteKit handles the
 * click, so the page's JS state (open run handles, worker pools) survives.
 */
export async function navigate(page: Page, baseUrl: string, path: string): Promise<void> {
	await page.evaluate((href) => {
		const a = document.createElement('a');
		a.href = href;
		document.body.append(a);
		a.click();
		a.remove();
	}, path);
	await page.waitForURL(new URL(path, baseUrl).href);
}
