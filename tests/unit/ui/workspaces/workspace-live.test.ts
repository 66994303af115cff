import * as Y from 'yjs';
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { afterEach, describe, expect, it } from 'vitest';
import type { MemberRecord, WorkspaceInfo } from '$lib/core/workspace';
import type { SyncStatus } from '$lib/sync/mesh-types';
import type { MeshView, WorkspaceView } from '$lib/ui/workspaces/workspace-adapter';
import { readPeople, WorkspaceLive } from '$lib/ui/workspaces/workspace-live.svelte';

const INFO: WorkspaceInfo = { id: 'r', name: 'Team', dbName: 'cairn-ws-r', roomId: 'r', key: 'k', signalingUrls: [], shared: true, createdAt: 0 };
const IDLE: SyncStatus = { peers: [], signaling: 'connecting', signalingError: null, docsInSync: true, chunksPending: 0, lastSyncAt: null, badPeers: [] };

class FakeMesh implements MeshView {
	status: SyncStatus = IDLE;
	listeners = new Set<(s: SyncStatus) => void>();
	onStatus(cb: (s: SyncStatus) => void) {
		this.listeners.add(cb);
		return () => this.listeners.delete(cb);
	}
	/** Mutates in place, as a mesh might, then notifies. */
	emit(patch: Partial<SyncStatus>) {
		Object.assign(this.status, patch);
		for (const cb of this.listeners) cb(this.status);
	}
}

class FakeWorkspace implements WorkspaceView {
	readonly info = INFO;
	readonly doc = new Y.Doc();
	readonly awareness = new Awareness(this.doc);
	readonly deviceId = 'dev1';
	mesh: FakeMesh | null = null;
	meshListeners = new Set<() => void>();
	startCalls: (WorkspaceInfo | undefined)[] = [];
	failStart: Error | null = null;
	async startSync(info?: WorkspaceInfo) {
		this.startCalls.push(info);
		if (this.failStart) throw this.failStart;
		if ((info ?? this.info).shared && !this.mesh) {
			this.mesh = new FakeMesh();
			this.mesh.status = { ...IDLE };
			for (const cb of this.meshListeners) cb();
		}
	}
	members(): MemberRecord[] {
		return [{ deviceId: 'dev1', name: 'Ada', joinedAt: 1 }];
	}
	onMeshChange(cb: () => void) {
		this.meshListeners.add(cb);
		return () => this.meshListeners.delete(cb);
	}
}

const cleanups: (() => void)[] = [];
afterEach(() => {
	for (const c of cleanups.splice(0)) c();
});

function setup() {
	const workspace = new FakeWorkspace();
	workspace.awareness.setLocalStateField('user', { name: 'old', color: '#2b6cb0', deviceId: 'dev1' });
	const live = new WorkspaceLive(workspace, { name: 'Ada', color: '#000000' });
	cleanups.push(() => {
		live.destroy();
		workspace.awareness.destroy();
	});
	return { workspace, live };
}

/** A second device's awareness whose state reaches ours as a peer's would. */
function remote(into: Awareness, state: Record<string, unknown> | null) {
	const other = new Awareness(new Y.Doc());
	other.setLocalState(state);
	applyAwarenessUpdate(into, encodeAwarenessUpdate(other, [other.clientID]), 'test');
	cleanups.push(() => other.destroy());
	return other;
}

describe('WorkspaceLive', () => {
	it('without a workspace: no status, no people, nothing to start', async () => {
		const live = new WorkspaceLive(null, { name: 'Ada', color: '#2f5d50' });
		expect(live.status).toBeNull();
		expect(live.people).toEqual([]);
		expect(live.members()).toEqual([]);
		await live.startSync(INFO);
		live.setPage('/x');
		live.destroy();
	});

	it('publishes the display name, keeping the colour and fields the workspace set, and the page', () => {
		const { workspace, live } = setup();
		expect(workspace.awareness.getLocalState()).toMatchObject({ user: { name: 'Ada', color: '#2b6cb0', deviceId: 'dev1' } });
		live.setPage('/p/churn/r/1');
		expect(workspace.awareness.getLocalState()?.page).toBe('/p/churn/r/1');
		expect(live.people).toEqual([{ clientId: workspace.awareness.clientID, name: 'Ada', color: '#2b6cb0', page: '/p/churn/r/1', self: true, sameDevice: false }]);
	});

	it('lists peers from awareness, validated, self first; drops peers that leave', () => {
		const { workspace, live } = setup();
		const bob = remote(workspace.awareness, { user: { name: 'Bob', color: '#8a4fb8' }, page: '/p/x' });
		remote(workspace.awareness, { user: { name: 'Al<script>', color: 'url(x)' }, page: 'javascript:1' });
		remote(workspace.awareness, { cursor: 1 });
		expect(live.people.map((p) => [p.name, p.self])).toEqual([
			['Ada', true],
			['Al<script>', false],
			['Bob', false]
		]);
		const al = live.people[1];
		expect(al?.color).toMatch(/^#[0-9a-f]{6}$/);
		expect(al?.page).toBeNull();
		expect(live.people[2]?.page).toBe('/p/x');

		bob.setLocalState(null);
		applyAwarenessUpdate(workspace.awareness, encodeAwarenessUpdate(bob, [bob.clientID]), 'test');
		expect(live.people.map((p) => p.name)).toEqual(['Ada', 'Al<script>']);
		expect(readPeople(workspace.awareness)).toEqual(live.people);
	});

	it("tells this device's other tabs from teammates", () => {
		const { workspace, live } = setup();
		remote(workspace.awareness, { user: { name: 'Ada', color: '#2b6cb0', deviceId: 'dev1' }, page: '/p/x' });
		remote(workspace.awareness, { user: { name: 'Bob', color: '#8a4fb8', deviceId: 'dev2' }, page: '/p/x' });
		expect(live.people.map((p) => [p.name, p.self, p.sameDevice])).toEqual([
			['Ada', true, false],
			['Ada', false, true],
			['Bob', false, false]
		]);
	});

	it('follows the mesh once sync starts, with fresh snapshots of a status mutated in place', async () => {
		const { workspace, live } = setup();
		expect(live.status).toBeNull();
		await live.startSync({ ...INFO, shared: true });
		expect(workspace.startCalls).toEqual([{ ...INFO, shared: true }]);
		const mesh = workspace.mesh!;
		expect(live.status).toEqual(IDLE);
		const before = live.status;
		mesh.emit({ peers: [{ peerId: 'p1', links: ['webrtc'], inSync: false }], docsInSync: false, signaling: 'connected' });
		expect(live.status).not.toBe(before);
		expect(live.status?.peers).toHaveLength(1);
		expect(before?.peers).toEqual([]);

		live.destroy();
		mesh.emit({ chunksPending: 3 });
		expect(live.status?.chunksPending).toBe(0);
		expect(mesh.listeners.size).toBe(0);
		expect(workspace.meshListeners.size).toBe(0);
	});

	it('keeps a failure to start sync for the indicator instead of throwing', async () => {
		const { workspace, live } = setup();
		workspace.failStart = new Error('bad key');
		await live.startSync();
		expect(live.syncError).toBe('bad key');
		workspace.failStart = null;
		await live.startSync();
		expect(live.syncError).toBeNull();
	});

	it('reads members from the workspace', () => {
		const { live } = setup();
		expect(live.members()).toEqual([{ deviceId: 'dev1', name: 'Ada', joinedAt: 1 }]);
	});
});
