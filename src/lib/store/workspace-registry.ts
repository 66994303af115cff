/**
 * The workspaces this device knows, and which one is open. A small Dexie
 * database of its own ('cairn-workspaces'), apart from every workspace's data
 * database, so it can be read before any workspace is opened and survives a
 * workspace being removed.
 *
 * Source of truth: this database, for both tables. It is device-local: the
 * list is never synced (a teammate's device has its own list; what members
 * share is each workspace's Yjs document). It holds each workspace's AES-GCM
 * key, as base64url text, exactly as the share link carries it — the key never
 * leaves the device except inside a share link's fragment.
 *
 * The store layer must not import from sync: secrets come in as base64url
 * strings (sync/workspace-secrets.ts makes them).
 */
import Dexie, { type EntityTable } from 'dexie';
import { whileWorkspaceClosed } from './workspace-open-lock';
import { ConflictError, InvalidFieldError, NotFoundError } from '$lib/core/errors';
import {
	PERSONAL_DB_NAME,
	PERSONAL_WORKSPACE_ID,
	validateSignalingUrl,
	validateWorkspaceName,
	type WorkspaceInfo
} from '$lib/core/workspace';

export const DEFAULT_REGISTRY_DB_NAME = 'cairn-workspaces';
export const PERSONAL_WORKSPACE_NAME = 'Personal';
export const DEFAULT_JOINED_NAME = 'Shared workspace';
/** settings key of the workspace the app opens on load. */
const CURRENT_KEY = 'currentWorkspace';
/** A workspace's Yjs updates live in their own IndexedDB database (y-indexeddb), named after its Dexie database. */
export const YDOC_DB_SUFFIX = '-ydoc';
/** A sane cap: a user does not type more servers than this, and a row stays small. */
const MAX_SIGNALING_URLS = 8;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export interface WorkspaceSecretText {
	/** base64url */
	roomId: string;
	/** base64url */
	key: string;
}

export interface SettingRow {
	key: string;
	value: unknown;
}

/** What update() may change; everything else (id, secret, database) is fixed at creation. */
export interface WorkspacePatch {
	name?: string;
	signalingUrls?: string[];
	shared?: boolean;
}

type RegistryDb = Dexie & {
	workspaces: EntityTable<WorkspaceInfo, 'id'>;
	settings: EntityTable<SettingRow, 'key'>;
};

/** Version 1, kept verbatim once shipped; a change adds version(2) with an upgrade. */
export const REGISTRY_SCHEMA_V1 = {
	// Known workspaces by id ('personal' or the room id); listed by creation.
	workspaces: 'id, createdAt',
	// Device-local settings by key (e.g. the current workspace id).
	settings: 'key'
} as const;

export function workspaceDbName(id: string): string {
	return `cairn-ws-${id}`;
}

export function ydocDbName(dbName: string): string {
	return `${dbName}${YDOC_DB_SUFFIX}`;
}

function validateSecret(secret: unknown): WorkspaceSecretText {
	if (typeof secret !== 'object' || secret === null) throw new InvalidFieldError('workspace secret', 'pass { roomId, key } as base64url strings');
	const { roomId, key } = secret as Partial<WorkspaceSecretText>;
	for (const [field, value] of [['room id', roomId], ['workspace key', key]] as const)
		if (typeof value !== 'string' || !BASE64URL.test(value))
			throw new InvalidFieldError(field, 'expected base64url text (make it with newWorkspaceSecret() or secretFromLink())');
	return { roomId: roomId as string, key: key as string };
}

function validateTime(now: unknown): number {
	if (typeof now !== 'number' || !Number.isFinite(now)) throw new InvalidFieldError('time', 'pass epoch milliseconds, e.g. Date.now()');
	return now;
}

function validateSignalingUrls(urls: unknown): string[] {
	if (!Array.isArray(urls)) throw new InvalidFieldError('signaling URLs', 'pass a list of ws:// or wss:// URLs (empty for this origin)');
	if (urls.length > MAX_SIGNALING_URLS) throw new InvalidFieldError('signaling URLs', `keep it to ${MAX_SIGNALING_URLS} servers or fewer`);
	// Validated one by one so the error names the bad URL; duplicates dropped, order kept (the first is tried first).
	return [...new Set(urls.map((url) => validateSignalingUrl(url)))];
}

function validatePatch(patch: unknown): WorkspacePatch {
	if (typeof patch !== 'object' || patch === null) throw new InvalidFieldError('workspace update', 'pass { name?, signalingUrls?, shared? }');
	const out: WorkspacePatch = {};
	for (const [field, value] of Object.entries(patch)) {
		if (value === undefined) continue;
		if (field === 'name') out.name = validateWorkspaceName(value);
		else if (field === 'signalingUrls') out.signalingUrls = validateSignalingUrls(value);
		else if (field === 'shared') {
			if (typeof value !== 'boolean') throw new InvalidFieldError('shared', 'pass true or false');
			out.shared = value;
		} else throw new InvalidFieldError('workspace update', `"${field}" cannot be changed; only name, signalingUrls and shared can`);
	}
	return out;
}

/** Personal first (the workspace every device has), then in creation order. */
function byListOrder(a: WorkspaceInfo, b: WorkspaceInfo): number {
	const pa = a.id === PERSONAL_WORKSPACE_ID ? 0 : 1;
	const pb = b.id === PERSONAL_WORKSPACE_ID ? 0 : 1;
	return pa - pb || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export class WorkspaceRegistry {
	readonly db: RegistryDb;

	private constructor(db: RegistryDb) {
		this.db = db;
	}

	static async open(dbName = DEFAULT_REGISTRY_DB_NAME): Promise<WorkspaceRegistry> {
		const db = new Dexie(dbName) as RegistryDb;
		db.version(1).stores(REGISTRY_SCHEMA_V1);
		await db.open();
		return new WorkspaceRegistry(db);
	}

	async list(): Promise<WorkspaceInfo[]> {
		return (await this.db.workspaces.toArray()).sort(byListOrder);
	}

	get(id: string): Promise<WorkspaceInfo | undefined> {
		return this.db.workspaces.get(id);
	}

	/**
	 * The personal workspace, created on first use. Its database is the
	 * foundation's 'cairn', so runs logged before workspaces existed stay in it.
	 * Read first (every boot asks; a read-write transaction costs a commit), then
	 * created in one read-write transaction: two tabs starting at once create it once.
	 */
	async ensurePersonal(now: number, secret: WorkspaceSecretText): Promise<WorkspaceInfo> {
		const at = validateTime(now);
		const { roomId, key } = validateSecret(secret);
		const found = await this.db.workspaces.get(PERSONAL_WORKSPACE_ID);
		if (found) return found;
		return this.db.transaction('rw', this.db.workspaces, async () => {
			const existing = await this.db.workspaces.get(PERSONAL_WORKSPACE_ID);
			if (existing) return existing;
			const info: WorkspaceInfo = {
				id: PERSONAL_WORKSPACE_ID,
				name: PERSONAL_WORKSPACE_NAME,
				dbName: PERSONAL_DB_NAME,
				roomId,
				key,
				signalingUrls: [],
				shared: false,
				createdAt: at
			};
			await this.db.workspaces.add(info);
			return info;
		});
	}

	/** A new private workspace (it syncs only once shared). Its id is the room id, so every member names it the same. */
	async create(name: string, now: number, secret: WorkspaceSecretText): Promise<WorkspaceInfo> {
		const info = this.#newInfo(validateWorkspaceName(name), validateTime(now), validateSecret(secret), false);
		return this.db.transaction('rw', this.db.workspaces, async () => {
			if (await this.db.workspaces.get(info.id)) throw new ConflictError(`A workspace with room id "${info.id}" already exists; make a new secret.`);
			await this.db.workspaces.add(info);
			return info;
		});
	}

	/**
	 * A workspace from a share link. Idempotent: joining a known room again
	 * returns it (marked shared, name kept); otherwise it is added, shared.
	 */
	async join(secret: WorkspaceSecretText, now: number, name?: string): Promise<WorkspaceInfo> {
		const valid = validateSecret(secret);
		const at = validateTime(now);
		const chosen = name === undefined || name.trim() === '' ? DEFAULT_JOINED_NAME : validateWorkspaceName(name);
		return this.db.transaction('rw', this.db.workspaces, async () => {
			// By room id, not only by id: the personal workspace's id is 'personal', and its own link may be opened on this device.
			const existing = (await this.db.workspaces.get(valid.roomId)) ?? (await this.db.workspaces.filter((w) => w.roomId === valid.roomId).first());
			if (existing) {
				if (existing.key !== valid.key)
					throw new ConflictError(
						'This device already knows this workspace with a different key. Ask for a fresh link; the old and new links do not belong to the same workspace.'
					);
				if (existing.shared) return existing;
				const shared = { ...existing, shared: true };
				await this.db.workspaces.put(shared);
				return shared;
			}
			const info = this.#newInfo(chosen, at, valid, true);
			await this.db.workspaces.add(info);
			return info;
		});
	}

	/** Renames, edits signaling servers, or marks shared. Validated first: a rejected patch changes nothing. */
	async update(id: string, patch: WorkspacePatch): Promise<WorkspaceInfo> {
		const valid = validatePatch(patch);
		const updated = await this.db.transaction('rw', this.db.workspaces, async () => {
			const existing = await this.db.workspaces.get(id);
			if (!existing) return undefined;
			const next = { ...existing, ...valid };
			await this.db.workspaces.put(next);
			return next;
		});
		// Thrown outside the transaction: Dexie would turn an error named NotFoundError into its own Dexie.NotFoundError.
		if (!updated) throw new NotFoundError('workspace', id);
		return updated;
	}

	/**
	 * Forgets a workspace and deletes its data on this device: its Dexie database
	 * and its Yjs database. Teammates keep their copies. The databases go first:
	 * if deleting them fails, the workspace is still listed and can be removed
	 * again (the reverse order would leave unreachable data behind). A workspace
	 * open anywhere (this tab, another tab, a notebook's Cairn) is not removed:
	 * a ConflictError says to close it there, and it stays listed.
	 */
	async remove(id: string): Promise<void> {
		if (id === PERSONAL_WORKSPACE_ID)
			throw new ConflictError('The personal workspace cannot be removed: it is where Cairn keeps your own runs. Delete its projects instead.');
		const info = await this.db.workspaces.get(id);
		if (!info) throw new NotFoundError('workspace', id);
		const removed = await whileWorkspaceClosed(id, async () => {
			await deleteDatabase(info.dbName, info.name);
			await deleteDatabase(ydocDbName(info.dbName), info.name);
			await this.db.transaction('rw', this.db.workspaces, this.db.settings, async () => {
				await this.db.workspaces.delete(id);
				const current = await this.db.settings.get(CURRENT_KEY);
				if (current?.value === id) await this.db.settings.delete(CURRENT_KEY);
			});
		});
		if (!removed) throw openElsewhere(info.name);
	}

	/** The workspace the app opens (see currentId), in one read. */
	current(): Promise<WorkspaceInfo | undefined> {
		return this.db.transaction('r', this.db.workspaces, this.db.settings, async () => {
			const row = await this.db.settings.get(CURRENT_KEY);
			const chosen = typeof row?.value === 'string' ? await this.db.workspaces.get(row.value) : undefined;
			return chosen ?? (await this.db.workspaces.get(PERSONAL_WORKSPACE_ID));
		});
	}

	/** The workspace the app opens; personal when none was chosen or the chosen one is gone. */
	async currentId(): Promise<string> {
		return (await this.current())?.id ?? PERSONAL_WORKSPACE_ID;
	}

	async setCurrent(id: string): Promise<void> {
		const known = await this.db.transaction('rw', this.db.workspaces, this.db.settings, async () => {
			if (!(await this.db.workspaces.get(id))) return false;
			await this.db.settings.put({ key: CURRENT_KEY, value: id });
			return true;
		});
		// Outside the transaction, for the reason given in update().
		if (!known) throw new NotFoundError('workspace', id);
	}

	close(): void {
		this.db.close();
	}

	#newInfo(name: string, createdAt: number, secret: WorkspaceSecretText, shared: boolean): WorkspaceInfo {
		if (secret.roomId === PERSONAL_WORKSPACE_ID) throw new InvalidFieldError('room id', `"${PERSONAL_WORKSPACE_ID}" is reserved`);
		return {
			id: secret.roomId,
			name,
			dbName: workspaceDbName(secret.roomId),
			roomId: secret.roomId,
			key: secret.key,
			signalingUrls: [],
			shared,
			createdAt
		};
	}
}

/**
 * Deletes an IndexedDB database, refusing when a connection that does not
 * give way keeps it open (the open lock covers Cairn's own): IndexedDB would
 * wait ("blocked") until it closes, which from here looks like a hang. The
 * request stays queued and completes once that connection closes; removing
 * again then finds nothing left to delete.
 */
function deleteDatabase(name: string, workspaceName: string): Promise<void> {
	return new Promise((resolve, reject) => {
		const request = Dexie.dependencies.indexedDB.deleteDatabase(name);
		request.onsuccess = () => resolve();
		request.onerror = () => reject(request.error ?? new Error(`IndexedDB could not delete ${name}`));
		request.onblocked = () => reject(openElsewhere(workspaceName));
	});
}

function openElsewhere(workspaceName: string): ConflictError {
	return new ConflictError(`Workspace "${workspaceName}" is open in a Cairn tab or window. Switch that tab to another workspace or close it, then remove this one again.`);
}
