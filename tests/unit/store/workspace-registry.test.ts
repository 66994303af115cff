import Dexie from 'dexie';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConflictError, InvalidFieldError, NotFoundError } from '$lib/core/errors';
import { PERSONAL_DB_NAME, PERSONAL_WORKSPACE_ID } from '$lib/core/workspace';
import {
	DEFAULT_JOINED_NAME,
	REGISTRY_SCHEMA_V1,
	WorkspaceRegistry,
	workspaceDbName,
	ydocDbName
} from '$lib/store/workspace-registry';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
let counter = 0;
const open: WorkspaceRegistry[] = [];

async function openRegistry(name = `registry-test-${process.pid}-${++counter}-${Math.random().toString(36).slice(2)}`) {
	const registry = await WorkspaceRegistry.open(name);
	open.push(registry);
	return registry;
}

/** base64url-looking secrets; the registry only checks the alphabet (share-link.ts checks lengths). */
function secret(tag: string) {
	return { roomId: `room_${tag}-${++counter}`, key: `key_${tag}-${counter}` };
}

afterEach(() => {
	for (const registry of open.splice(0)) registry.close();
});

describe('WorkspaceRegistry', () => {
	it('creates the personal workspace once, on the foundation database', async () => {
		const registry = await openRegistry();
		const first = await registry.ensurePersonal(T0, secret('p'));
		expect(first).toMatchObject({ id: PERSONAL_WORKSPACE_ID, name: 'Personal', dbName: PERSONAL_DB_NAME, shared: false, signalingUrls: [], createdAt: T0 });
		const again = await registry.ensurePersonal(T0 + 1000, secret('other'));
		expect(again).toEqual(first);
		expect(await registry.list()).toEqual([first]);
	});

	it('two tabs ensuring the personal workspace at once create it once', async () => {
		const name = `registry-race-${Math.random()}`;
		const [a, b] = await Promise.all([openRegistry(name), openRegistry(name)]);
		const [pa, pb] = await Promise.all([a.ensurePersonal(T0, secret('a')), b.ensurePersonal(T0, secret('b'))]);
		expect(pa).toEqual(pb);
		expect(await a.list()).toHaveLength(1);
	});

	it('lists personal first, then by creation time', async () => {
		const registry = await openRegistry();
		const later = await registry.create('Later', T0 + 2000, secret('l'));
		const earlier = await registry.create('Earlier', T0 + 1000, secret('e'));
		const personal = await registry.ensurePersonal(T0 + 5000, secret('p'));
		expect((await registry.list()).map((w) => w.id)).toEqual([personal.id, earlier.id, later.id]);
	});

	it('creates private workspaces named by their room id, with their own database', async () => {
		const registry = await openRegistry();
		const s = secret('c');
		const info = await registry.create('  Churn team  ', T0, s);
		expect(info).toEqual({
			id: s.roomId,
			name: 'Churn team',
			dbName: `cairn-ws-${s.roomId}`,
			roomId: s.roomId,
			key: s.key,
			signalingUrls: [],
			shared: false,
			createdAt: T0
		});
		expect(workspaceDbName(s.roomId)).toBe(info.dbName);
		expect(await registry.get(s.roomId)).toEqual(info);
		await expect(registry.create('Again', T0, s)).rejects.toThrow(ConflictError);
	});

	it('rejects bad names, secrets and times with named errors and changes nothing', async () => {
		const registry = await openRegistry();
		await expect(registry.create('   ', T0, secret('x'))).rejects.toThrow(/give the workspace a name/);
		await expect(registry.create('x'.repeat(81), T0, secret('x'))).rejects.toThrow(InvalidFieldError);
		await expect(registry.create('Bad\u0007bell', T0, secret('x'))).rejects.toThrow(/control characters/);
		await expect(registry.create('Ok', T0, { roomId: 'has space', key: 'k' })).rejects.toThrow(/room id.*base64url/);
		await expect(registry.create('Ok', T0, { roomId: 'r', key: '' })).rejects.toThrow(/workspace key/);
		await expect(registry.create('Ok', T0, { roomId: PERSONAL_WORKSPACE_ID, key: 'k' })).rejects.toThrow(/reserved/);
		await expect(registry.create('Ok', Number.NaN, secret('x'))).rejects.toThrow(/epoch milliseconds/);
		expect(await registry.list()).toEqual([]);
	});

	it('joins idempotently: a known room comes back marked shared, its name kept', async () => {
		const registry = await openRegistry();
		const s = secret('j');
		const joined = await registry.join(s, T0);
		expect(joined).toMatchObject({ id: s.roomId, name: DEFAULT_JOINED_NAME, shared: true, dbName: `cairn-ws-${s.roomId}` });
		expect(await registry.join(s, T0 + 1, 'Other name')).toEqual(joined);

		const mine = secret('m');
		const created = await registry.create('Mine', T0, mine);
		const rejoined = await registry.join(mine, T0 + 5, 'Renamed?');
		expect(rejoined).toEqual({ ...created, shared: true });
		expect(await registry.list()).toHaveLength(2);
	});

	it('joining uses the given name, validated', async () => {
		const registry = await openRegistry();
		expect((await registry.join(secret('n'), T0, ' Vision team ')).name).toBe('Vision team');
		expect((await registry.join(secret('n'), T0, '  ')).name).toBe(DEFAULT_JOINED_NAME);
		await expect(registry.join(secret('n'), T0, 'a'.repeat(100))).rejects.toThrow(InvalidFieldError);
	});

	it("joining the personal workspace's own link finds it by room id", async () => {
		const registry = await openRegistry();
		const s = secret('p');
		await registry.ensurePersonal(T0, s);
		const joined = await registry.join(s, T0 + 1);
		expect(joined).toMatchObject({ id: PERSONAL_WORKSPACE_ID, shared: true });
		expect(await registry.list()).toHaveLength(1);
	});

	it('refuses a known room with a different key', async () => {
		const registry = await openRegistry();
		const s = secret('k');
		await registry.join(s, T0);
		await expect(registry.join({ roomId: s.roomId, key: 'forged_key' }, T0)).rejects.toThrow(ConflictError);
		expect((await registry.get(s.roomId))?.key).toBe(s.key);
	});

	it('updates name, signaling servers and shared, validated', async () => {
		const registry = await openRegistry();
		const info = await registry.create('Team', T0, secret('u'));
		const updated = await registry.update(info.id, {
			name: ' Team B ',
			signalingUrls: ['wss://signal.example.org/signal', 'ws://127.0.0.1:4444', 'wss://signal.example.org/signal'],
			shared: true
		});
		expect(updated).toEqual({
			...info,
			name: 'Team B',
			signalingUrls: ['wss://signal.example.org/signal', 'ws://127.0.0.1:4444/'],
			shared: true
		});
		expect(await registry.get(info.id)).toEqual(updated);
		expect(await registry.update(info.id, { signalingUrls: [] })).toMatchObject({ signalingUrls: [] });
	});

	it('rejects bad updates without changing anything', async () => {
		const registry = await openRegistry();
		const info = await registry.create('Team', T0, secret('b'));
		await expect(registry.update(info.id, { signalingUrls: ['https://not-a-socket.example'] })).rejects.toThrow(/ws:\/\/ or wss:\/\//);
		await expect(registry.update(info.id, { signalingUrls: ['wss://x.example/#key'] })).rejects.toThrow(/fragment/);
		await expect(registry.update(info.id, { signalingUrls: ['not a url'] })).rejects.toThrow(/not a URL/);
		await expect(registry.update(info.id, { signalingUrls: 'wss://x' as unknown as string[] })).rejects.toThrow(InvalidFieldError);
		await expect(registry.update(info.id, { signalingUrls: Array.from({ length: 9 }, (_, i) => `wss://s${i}.example`) })).rejects.toThrow(/8 servers/);
		await expect(registry.update(info.id, { name: '' })).rejects.toThrow(InvalidFieldError);
		await expect(registry.update(info.id, { shared: 'yes' as unknown as boolean })).rejects.toThrow(/true or false/);
		await expect(registry.update(info.id, { key: 'stolen' } as never)).rejects.toThrow(/"key" cannot be changed/);
		// A valid field beside an invalid one is not applied either.
		await expect(registry.update(info.id, { name: 'Fine', signalingUrls: ['nope'] })).rejects.toThrow(InvalidFieldError);
		await expect(registry.update('missing', { shared: true })).rejects.toThrow(NotFoundError);
		expect(await registry.get(info.id)).toEqual(info);
	});

	it('tracks the current workspace, falling back to personal', async () => {
		const registry = await openRegistry();
		await registry.ensurePersonal(T0, secret('p'));
		expect(await registry.currentId()).toBe(PERSONAL_WORKSPACE_ID);
		const team = await registry.create('Team', T0, secret('t'));
		await registry.setCurrent(team.id);
		expect(await registry.currentId()).toBe(team.id);
		await expect(registry.setCurrent('nope')).rejects.toThrow(NotFoundError);
		expect(await registry.currentId()).toBe(team.id);
		expect((await registry.current())?.name).toBe('Team');
	});

	it('finds the personal workspace on later starts without writing', async () => {
		const registry = await openRegistry();
		const first = await registry.ensurePersonal(T0, secret('p'));
		const transactions = vi.spyOn(registry.db, 'transaction');
		expect(await registry.ensurePersonal(T0 + 1, secret('q'))).toEqual(first);
		// No read-write transaction (and its commit) on every start.
		expect(transactions.mock.calls.filter((call) => call[0] === 'rw')).toEqual([]);
	});

	it("removes a workspace with its Dexie and Yjs databases, and resets current if it was current", async () => {
		const registry = await openRegistry();
		await registry.ensurePersonal(T0, secret('p'));
		const team = await registry.create('Team', T0, secret('r'));
		const other = await registry.create('Other', T0, secret('o'));
		for (const name of [team.dbName, ydocDbName(team.dbName), other.dbName]) {
			const db = new Dexie(name);
			db.version(1).stores({ rows: 'id' });
			await db.table('rows').put({ id: 1 });
			db.close();
		}
		await registry.setCurrent(team.id);

		await registry.remove(team.id);
		expect(await Dexie.exists(team.dbName)).toBe(false);
		expect(await Dexie.exists(`${team.dbName}-ydoc`)).toBe(false);
		expect(await Dexie.exists(other.dbName)).toBe(true);
		expect(await registry.get(team.id)).toBeUndefined();
		expect(await registry.currentId()).toBe(PERSONAL_WORKSPACE_ID);
		await expect(registry.remove(team.id)).rejects.toThrow(NotFoundError);
	});

	it('keeps current when another workspace is removed', async () => {
		const registry = await openRegistry();
		await registry.ensurePersonal(T0, secret('p'));
		const a = await registry.create('A', T0, secret('a'));
		const b = await registry.create('B', T0, secret('b'));
		await registry.setCurrent(a.id);
		await registry.remove(b.id);
		expect(await registry.currentId()).toBe(a.id);
	});

	it('refuses to remove a workspace whose database a connection keeps open, keeping it listed', async () => {
		const registry = await openRegistry();
		await registry.ensurePersonal(T0, secret('p'));
		const team = await registry.create('Team', T0, secret('t'));
		// A connection that does not close on versionchange (Cairn's own are covered by the open lock).
		const other = await new Promise<IDBDatabase>((resolve, reject) => {
			const request = indexedDB.open(ydocDbName(team.dbName));
			request.onsuccess = () => resolve(request.result);
			request.onerror = () => reject(request.error);
		});
		await expect(registry.remove(team.id)).rejects.toThrow(/"Team" is open in a Cairn tab or window/);
		expect((await registry.get(team.id))?.name).toBe('Team');
		other.close();
		// Once that tab lets go, removing again succeeds.
		await registry.remove(team.id);
		expect(await registry.get(team.id)).toBeUndefined();
		expect(await Dexie.exists(ydocDbName(team.dbName))).toBe(false);
	});

	it('refuses to remove the personal workspace', async () => {
		const registry = await openRegistry();
		const personal = await registry.ensurePersonal(T0, secret('p'));
		await expect(registry.remove(PERSONAL_WORKSPACE_ID)).rejects.toThrow(/personal workspace cannot be removed/);
		expect(await registry.get(PERSONAL_WORKSPACE_ID)).toEqual(personal);
	});

	it('keeps its schema as numbered version 1', async () => {
		const registry = await openRegistry();
		expect(registry.db.verno).toBe(1);
		expect(Object.keys(REGISTRY_SCHEMA_V1).sort()).toEqual(['settings', 'workspaces']);
		expect(registry.db.tables.map((t) => t.name).sort()).toEqual(['settings', 'workspaces']);
	});
});
