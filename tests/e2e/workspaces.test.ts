/**
 * Workspaces in real Chromium, on one device (two-device sync is the sync
 * tests' job): create a workspace and switch to it (empty), switch back to
 * Personal (its runs still there); Share shows a join link and its QR code and
 * marks the workspace shared; a join link asks first and leaves the address
 * bar at once; a malformed one explains itself and offers the way back;
 * workspaces are renamed and removed (not while a tab has one open).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { cleanupProfiles, launchProfile, startApp, type App, type Profile } from './harness';

const HOME_PROJECT = 'ws-home';
/**
 * A shared workspace looks for its signaling server (this origin's /signal),
 * which the static test server does not run: Chromium logs the failed
 * WebSocket. Cairn keeps working locally, which is what these tests check.
 */
const SIGNALING_NOISE = /WebSocket|\/signal/;

let app: App;
let profile: Profile;
let page: Page;

beforeAll(async () => {
	app = await startApp();
	profile = await launchProfile();
	page = await profile.context.newPage();
	await page.goto(app.url);
	await waitForApp(page);
	await page.evaluate(async (project) => {
		const run = await (globalThis as any).cairn.startRun({ project, name: 'kept' });
		await run.finish();
	}, HOME_PROJECT);
});

afterAll(async () => {
	await app?.close();
	await cleanupProfiles();
});

function waitForApp(p: Page) {
	return p.waitForFunction(() => 'cairn' in globalThis);
}

/** Waits for the (re)loaded page to show `name` as the current workspace, with the store open. */
async function waitForWorkspace(p: Page, name: string) {
	await p.getByTestId('workspace-switcher').filter({ hasText: name }).waitFor();
	await waitForApp(p);
}

function unexpectedErrors(): string[] {
	return profile.errors.filter((error) => !SIGNALING_NOISE.test(error));
}

/** The registry's rows, read with raw IndexedDB (independent of the app's code). */
function registryRows(p: Page) {
	return p.evaluate(async () => {
		const db = await new Promise<IDBDatabase>((resolve, reject) => {
			const req = indexedDB.open('cairn-workspaces');
			req.onsuccess = () => resolve(req.result);
			req.onerror = () => reject(req.error);
		});
		const rows = await new Promise<any[]>((resolve, reject) => {
			const req = db.transaction('workspaces').objectStore('workspaces').getAll();
			req.onsuccess = () => resolve(req.result);
			req.onerror = () => reject(req.error);
		});
		db.close();
		return rows as { id: string; name: string; shared: boolean; signalingUrls: string[]; dbName: string }[];
	});
}

describe('workspaces', () => {
	it('creates a workspace and switches to it (empty); Personal keeps its runs', async () => {
		await page.getByRole('link', { name: HOME_PROJECT }).waitFor();
		expect(await page.getByTestId('workspace-switcher').textContent()).toContain('Personal');
		expect(await page.getByTestId('sync-label').textContent()).toBe('Private — not shared');

		// Keyboard: ArrowDown opens the menu on the current (checked) workspace; End reaches "Manage workspaces…", ArrowUp "New workspace…".
		await page.getByTestId('workspace-switcher').focus();
		await page.keyboard.press('ArrowDown');
		await page.getByRole('menu').waitFor();
		expect(await page.evaluate(() => [document.activeElement?.getAttribute('role'), document.activeElement?.getAttribute('aria-checked')])).toEqual([
			'menuitemradio',
			'true'
		]);
		await page.keyboard.press('End');
		expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Manage workspaces…');
		await page.keyboard.press('ArrowUp');
		await page.keyboard.press('Enter');
		const dialog = page.getByTestId('new-workspace-dialog');
		await dialog.waitFor();

		// An empty name is refused beside the field, and nothing is created.
		await dialog.getByRole('button', { name: 'Create and switch' }).click();
		await dialog.getByRole('alert').waitFor();
		expect(await dialog.getByRole('alert').textContent()).toMatch(/give the workspace a name/);
		expect(await page.getByTestId('new-workspace-name').getAttribute('aria-invalid')).toBe('true');
		expect(await registryRows(page)).toHaveLength(1);

		await page.getByTestId('new-workspace-name').fill('Churn team');
		await dialog.getByRole('button', { name: 'Create and switch' }).click();
		await waitForWorkspace(page, 'Churn team');
		await page.getByText('Welcome to Cairn').waitFor();
		expect(await page.getByRole('link', { name: HOME_PROJECT }).count()).toBe(0);
		expect(await page.evaluate(() => (globalThis as any).cairnDebug.dbName)).toMatch(/^cairn-ws-[A-Za-z0-9_-]+$/);
		expect(await page.getByTestId('sync-label').textContent()).toBe('Private — not shared');

		// Back to Personal, with the mouse.
		await page.getByTestId('workspace-switcher').click();
		await page.getByRole('menuitemradio', { name: /Personal/ }).click();
		await waitForWorkspace(page, 'Personal');
		await page.getByRole('link', { name: HOME_PROJECT }).waitFor();
		expect(await page.evaluate(() => (globalThis as any).cairnDebug.dbName)).toBe('cairn');
		expect((await registryRows(page)).map((w) => w.name).sort()).toEqual(['Churn team', 'Personal']);
		expect(unexpectedErrors()).toEqual([]);
	});

	it('Share shows the join link and its QR code, warns, validates servers, and marks the workspace shared', async () => {
		await page.getByTestId('share-button').click();
		const dialog = page.getByTestId('share-dialog');
		await dialog.waitFor();

		const link = await page.getByTestId('share-link').inputValue();
		expect(link.startsWith(`${app.url}#/join/`)).toBe(true);
		expect(link.slice(app.url.length)).toMatch(/^#\/join\/[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
		const qr = dialog.locator('svg[data-testid="share-qr"]');
		expect(await qr.count()).toBe(1);
		expect(await qr.getAttribute('role')).toBe('img');
		expect((await qr.locator('path').getAttribute('d'))?.length).toBeGreaterThan(100);
		expect(await dialog.getByTestId('share-warning').textContent()).toMatch(/Anyone with this link can read and change everything/);

		await expect.poll(async () => (await registryRows(page)).find((w) => w.id === 'personal')?.shared).toBe(true);
		await expect.poll(() => page.getByTestId('sync-label').textContent()).not.toBe('Private — not shared');

		// Signaling servers: a bad URL is refused beside the field; a good one is saved.
		await dialog.getByRole('button', { name: 'Add server' }).click();
		const url = dialog.getByTestId('signaling-url').first();
		await url.fill('https://signal.example.org');
		await dialog.getByRole('button', { name: 'Save servers' }).click();
		await dialog.getByText(/must start with ws:\/\/ or wss:\/\//).waitFor();
		expect(await url.getAttribute('aria-invalid')).toBe('true');
		expect((await registryRows(page)).find((w) => w.id === 'personal')?.signalingUrls).toEqual([]);

		await url.fill('ws://127.0.0.1:9/signal');
		await dialog.getByRole('button', { name: 'Save servers' }).click();
		await dialog.getByText(/^Saved\./).waitFor();
		expect((await registryRows(page)).find((w) => w.id === 'personal')?.signalingUrls).toEqual(['ws://127.0.0.1:9/signal']);

		// Remove it again, so later page loads do not try it.
		await dialog.getByRole('button', { name: 'Remove signaling server 1' }).click();
		await dialog.getByRole('button', { name: 'Save servers' }).click();
		await expect.poll(async () => (await registryRows(page)).find((w) => w.id === 'personal')?.signalingUrls).toEqual([]);

		await dialog.getByRole('button', { name: 'Done' }).click();
		expect(await dialog.isVisible()).toBe(false);
		// The sync panel (opened from the keyboard) renders whatever the mesh says, or that there is none yet; Escape closes it.
		await page.getByTestId('sync-status').focus();
		await page.keyboard.press('Enter');
		const panel = page.getByTestId('sync-panel');
		await panel.getByText('Online now').waitFor();
		expect(await page.getByTestId('sync-status').getAttribute('aria-expanded')).toBe('true');
		await page.keyboard.press('Escape');
		await panel.waitFor({ state: 'hidden' });
		expect(unexpectedErrors()).toEqual([]);
	});

	it("lists who is online and where: another tab of the now shared workspace (the mesh's BroadcastChannel link)", async () => {
		const other = await profile.context.newPage();
		await other.goto(new URL(`/p/${HOME_PROJECT}`, app.url).href);
		await waitForApp(other);
		await page.getByTestId('sync-status').focus();
		await page.keyboard.press('Enter');
		const presence = page.getByTestId('presence-list');
		await presence.getByRole('link', { name: `/p/${HOME_PROJECT}` }).waitFor({ timeout: 20_000 });
		expect(await presence.textContent()).toMatch(/\(you, this tab\)[\s\S]*\(you, another tab\)/);
		// Another tab of this device is not a teammate: no "Also here" for it.
		expect((await other.getByTestId('page-presence').textContent())?.trim()).toBe('');
		await page.keyboard.press('Escape');
		await other.close();
		expect(unexpectedErrors()).toEqual([]);
	});

	it('joins from a link after asking; the key leaves the address bar at once', async () => {
		const roomId = randomBytes(16).toString('base64url');
		const key = randomBytes(32).toString('base64url');
		const joining = await profile.context.newPage();
		await joining.goto(`${app.url}#/join/${roomId}.${key}`);
		const card = joining.getByTestId('join-workspace');
		await card.waitFor();
		expect(await card.textContent()).toMatch(/You'll sync with everyone who has this link/);
		expect(await joining.evaluate(() => location.href)).toBe(app.url);
		expect(await joining.evaluate(() => JSON.stringify(history.state ?? null))).not.toContain(key);
		expect((await registryRows(joining)).some((w) => w.id === roomId)).toBe(false);

		await joining.getByTestId('join-name').fill('Vision team');
		await card.getByRole('button', { name: 'Join and switch' }).click();
		await waitForWorkspace(joining, 'Vision team');
		expect(await joining.evaluate(() => location.hash)).toBe('');
		expect((await registryRows(joining)).find((w) => w.id === roomId)).toMatchObject({ name: 'Vision team', shared: true, dbName: `cairn-ws-${roomId}` });
		await joining.getByText('Welcome to Cairn').waitFor();

		// The same link again: this device knows the workspace, so joining just switches to it.
		await joining.goto(`${app.url}#/join/${roomId}.${key}`);
		await joining.getByTestId('join-workspace').getByText(/already has this workspace, as Vision team/).waitFor();
		await joining.getByRole('button', { name: /Cancel — back to Vision team/ }).click();
		await waitForApp(joining);
		expect((await registryRows(joining)).filter((w) => w.id === roomId)).toHaveLength(1);

		// Leave the device on Personal for the next test.
		await joining.getByTestId('workspace-switcher').click();
		await joining.getByRole('menuitemradio', { name: /Personal/ }).click();
		await waitForWorkspace(joining, 'Personal');
		await joining.close();
		expect(unexpectedErrors()).toEqual([]);
	});

	it('explains a malformed join link, clears it and offers the way back', async () => {
		const bad = await profile.context.newPage();
		await bad.goto(`${app.url}#/join/not-a-room.shortkey`);
		const card = bad.getByTestId('bad-join-link');
		await card.waitFor();
		expect(await card.getByRole('alert').textContent()).toMatch(/not a valid Cairn share link: the room id is 7 bytes/);
		expect(await bad.evaluate(() => location.hash)).toBe('');
		await card.getByRole('button', { name: 'Back to Personal' }).click();
		await waitForApp(bad);
		await bad.getByRole('link', { name: HOME_PROJECT }).waitFor();

		// A link pasted into an open tab changes only the fragment: the app reloads to handle it.
		await bad.evaluate(() => (location.hash = '#/join/x'));
		await bad.getByTestId('bad-join-link').waitFor();
		expect(await bad.getByTestId('bad-join-link').getByRole('alert').textContent()).toMatch(/<room>.<key>/);
		await bad.close();
		expect(unexpectedErrors()).toEqual([]);
	});
	it('renames and removes workspaces on this device; one open in another tab is kept until that tab lets go', async () => {
		const manage = await profile.context.newPage();
		await manage.goto(app.url);
		await waitForWorkspace(manage, 'Personal');
		// Another tab switches to Churn team and keeps it open.
		const holder = await profile.context.newPage();
		await holder.goto(app.url);
		await waitForWorkspace(holder, 'Personal');
		await holder.getByTestId('workspace-switcher').click();
		await holder.getByRole('menuitemradio', { name: /Churn team/ }).click();
		await waitForWorkspace(holder, 'Churn team');

		await manage.getByTestId('workspace-switcher').click();
		await manage.getByRole('menuitem', { name: 'Manage workspaces…' }).click();
		const dialog = manage.getByTestId('manage-workspaces-dialog');
		await dialog.waitFor();
		const rows = dialog.getByTestId('manage-row');
		const row = (name: string) => rows.filter({ hasText: name });
		expect(await rows.count()).toBe(3);
		// Personal is open here and can be renamed, never removed.
		expect(await row('Personal').textContent()).toContain('open in this tab');
		expect(await row('Personal').getByRole('button', { name: /^Remove/ }).count()).toBe(0);

		// Rename: an empty name is refused beside the field; Enter saves; the header menu follows.
		await dialog.getByRole('button', { name: 'Rename Vision team' }).click();
		const input = dialog.getByTestId('rename-input');
		expect(await manage.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('rename-input');
		await input.fill('   ');
		await input.press('Enter');
		await dialog.getByRole('alert').waitFor();
		expect(await dialog.getByRole('alert').textContent()).toMatch(/give the workspace a name/);
		expect(await input.getAttribute('aria-invalid')).toBe('true');
		await input.fill('Vision squad');
		await input.press('Enter');
		await dialog.getByTestId('manage-status').filter({ hasText: 'Renamed to Vision squad.' }).waitFor();
		expect((await registryRows(manage)).map((w) => w.name).sort()).toEqual(['Churn team', 'Personal', 'Vision squad']);
		expect(await manage.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Rename Vision squad');

		// Remove asks first, says what is lost, and deletes the workspace's databases on this device.
		const vision = (await registryRows(manage)).find((w) => w.name === 'Vision squad')!;
		await dialog.getByRole('button', { name: 'Remove Vision squad…' }).click();
		expect(await dialog.getByRole('group').textContent()).toMatch(/Teammates keep their copies/);
		await dialog.getByTestId('confirm-remove').click();
		await dialog.getByTestId('manage-status').filter({ hasText: 'Removed Vision squad from this device.' }).waitFor();
		expect(await rows.count()).toBe(2);
		const databases = await manage.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
		expect(databases).not.toContain(vision.dbName);
		expect(databases).not.toContain(`${vision.dbName}-ydoc`);

		// Churn team is open in the other tab: refused and kept, with its data.
		const churn = (await registryRows(manage)).find((w) => w.name === 'Churn team')!;
		await dialog.getByRole('button', { name: 'Remove Churn team…' }).click();
		expect(await dialog.getByRole('group').textContent()).toMatch(/Teammates keep their copies|no copy remains anywhere else/);
		await dialog.getByTestId('confirm-remove').click();
		await dialog.getByRole('alert').waitFor();
		expect(await dialog.getByRole('alert').textContent()).toMatch(/"Churn team" is open in a Cairn tab or window/);
		expect((await registryRows(manage)).map((w) => w.name)).toContain('Churn team');
		expect(await manage.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).toContain(churn.dbName);
		expect(await holder.getByTestId('workspace-switcher').textContent()).toContain('Churn team');

		// That tab closes: removing again succeeds.
		await holder.close();
		await dialog.getByTestId('confirm-remove').click();
		await dialog.getByTestId('manage-status').filter({ hasText: 'Removed Churn team from this device.' }).waitFor();
		expect((await registryRows(manage)).map((w) => w.name)).toEqual(['Personal']);
		expect(await manage.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).not.toContain(churn.dbName);

		// Escape closes the dialog and focus returns to the switcher.
		await manage.keyboard.press('Escape');
		await dialog.waitFor({ state: 'hidden' });
		await expect.poll(() => manage.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('workspace-switcher');
		await manage.close();
		expect(unexpectedErrors()).toEqual([]);
	});
});
