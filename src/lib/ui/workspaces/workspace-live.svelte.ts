/**
 * Rune state for the open workspace's sync status and presence, fed by the
 * mesh's status callbacks and the awareness 'change' event. Created once per
 * page by the root layout; `destroy()` unsubscribes. With no workspace (an SDK
 * without issue 4's workspace support) it stays empty: status null, only you.
 */
import { errorMessage } from '$lib/ui/error-message';
import type { Awareness } from 'y-protocols/awareness';
import { parsePresenceState, type PresenceUser } from '$lib/core/presence';
import type { MemberRecord, WorkspaceInfo } from '$lib/core/workspace';
import type { SyncStatus } from '$lib/sync/mesh-types';
import type { MeshView, WorkspaceView } from './workspace-adapter';

export interface PresencePerson {
	/** Awareness client id (per session, not per person). */
	clientId: number;
	name: string;
	color: string;
	page: string | null;
	/** This tab. */
	self: boolean;
	/** Another tab of this device (same device id), not a teammate. */
	sameDevice: boolean;
}

/** Valid presence states of everyone online, this tab first, then by name. */
export function readPeople(awareness: Awareness): PresencePerson[] {
	const people: PresencePerson[] = [];
	const myDevice = parsePresenceState(awareness.getLocalState())?.deviceId ?? null;
	for (const [clientId, state] of awareness.getStates()) {
		const presence = parsePresenceState(state, String(clientId));
		if (!presence) continue;
		const self = clientId === awareness.clientID;
		people.push({
			clientId,
			name: presence.user.name,
			color: presence.user.color,
			page: presence.page,
			self,
			sameDevice: !self && myDevice !== null && presence.deviceId === myDevice
		});
	}
	return people.sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name) || a.clientId - b.clientId);
}

/** A copy, so rune state sees a new value even when the mesh mutates one status object in place. */
function snapshot(status: SyncStatus): SyncStatus {
	return { ...status, peers: status.peers.map((p) => ({ ...p, links: [...p.links] })), badPeers: [...status.badPeers] };
}

export class WorkspaceLive {
	/** Null while there is no mesh: not shared, or sync not started. */
	status = $state.raw<SyncStatus | null>(null);
	people = $state.raw<PresencePerson[]>([]);
	/** Why sync could not start; Cairn keeps working locally either way. */
	syncError = $state<string | null>(null);
	readonly workspace: WorkspaceView | null;
	#offStatus: (() => void) | null = null;
	#cleanups: (() => void)[] = [];

	constructor(workspace: WorkspaceView | null, user: PresenceUser) {
		this.workspace = workspace;
		if (!workspace) return;
		const { awareness } = workspace;
		this.setUser(user);
		const onChange = () => (this.people = readPeople(awareness));
		awareness.on('change', onChange);
		this.#cleanups.push(() => awareness.off('change', onChange));
		this.people = readPeople(awareness);
		this.#attach(workspace.mesh);
		const off = workspace.onMeshChange(() => this.#attach(workspace.mesh));
		if (typeof off === 'function') this.#cleanups.push(off);
	}

	/** Publishes the page this tab shows (a path), so teammates see where you are. */
	setPage(path: string): void {
		this.workspace?.awareness.setLocalStateField('page', path);
	}

	/**
	 * Publishes the display name. Fields the workspace set itself (its colour
	 * for this device, the device id) are kept: the workspace owns them.
	 */
	setUser(user: PresenceUser): void {
		const awareness = this.workspace?.awareness;
		if (!awareness) return;
		const previous = (awareness.getLocalState()?.user ?? {}) as Partial<PresenceUser> & Record<string, unknown>;
		awareness.setLocalStateField('user', { ...previous, name: user.name, color: previous.color ?? user.color });
	}

	/**
	 * Starts syncing when `info` is shared (on open, and from the Share dialog
	 * with the freshly shared info). Never throws: a failure is kept in
	 * `syncError` for the indicator.
	 */
	async startSync(info?: WorkspaceInfo): Promise<void> {
		if (!this.workspace) return;
		try {
			await this.workspace.startSync(info);
			this.syncError = null;
		} catch (error) {
			this.syncError = errorMessage(error);
		}
	}

	/** Everyone recorded in the shared document; read on demand (the document has no member-change event in the contract). */
	members(): MemberRecord[] {
		return this.workspace?.members() ?? [];
	}

	destroy(): void {
		this.#offStatus?.();
		this.#offStatus = null;
		for (const cleanup of this.#cleanups.splice(0)) cleanup();
	}

	#attach(mesh: MeshView | null): void {
		this.#offStatus?.();
		this.#offStatus = null;
		this.status = mesh ? snapshot(mesh.status) : null;
		if (mesh) this.#offStatus = mesh.onStatus((status) => (this.status = snapshot(status ?? mesh.status)));
	}
}
