/**
 * The workspace run behind a message port, as the app runs it in its
 * workspace worker: WorkspaceClient (page side) ↔ WorkspaceHost (worker
 * side) over a MessageChannel, both on fake-indexeddb. Covers what crosses
 * the boundary — writes that read back at once, named errors, device id and
 * members, presence, and the sync status — and two such workspaces syncing
 * through a real relay.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Comlink from 'comlink';
import { WebSocket as NodeWebSocket } from 'ws';
import type { WorkspaceInfo } from '$lib/core/workspace';
import { RunRepository } from '$lib/store/runs-repo';
import { newWorkspaceSecret } from '$lib/sync/workspace-secrets';
import { WorkspaceClient, type HostConnection } from '$lib/sync/worker/client';
import { WorkspaceHost } from '$lib/sync/worker/host';
import { parsePresenceState } from '$lib/core/presence';
import { startSignaling, type RunningSignaling } from '../../../scripts/signaling.mjs';
import { makeRun as run } from '../peer/fixtures';

let counter = 0;
const open: WorkspaceClient[] = [];
let relay: RunningSignaling | null = null;

beforeAll(() => {
	// The mesh uses the platform WebSocket; Node 20 has none.
	(globalThis as { WebSocket?: unknown }).WebSocket ??= NodeWebSocket;
});

afterEach(async () => {
	await Promise.all(open.splice(0).map((c) => c.close()));
	await relay?.close();
	relay = null;
});

/** A host on one end of a channel, as the worker would run it. */
function channelHost(): (onError: (error: unknown) => void) => HostConnection {
	return () => {
		const { port1, port2 } = new MessageChannel();
		Comlink.expose(new WorkspaceHost(), port1);
		return { endpoint: port2 as unknown as Comlink.Endpoint, terminate: () => (port1.close(), port2.close()) };
	};
}

function info(overrides: Partial<WorkspaceInfo> = {}): WorkspaceInfo {
	const n = ++counter;
	const dbName = `ws-client-${process.pid}-${n}-${Math.random().toString(36).slice(2)}`;
	return { id: dbName, name: 'Team', dbName, roomId: '', key: '', signalingUrls: [], shared: false, createdAt: 0, ...overrides };
}

async function openClient(i: WorkspaceInfo, author = 'ada', errors: unknown[] = []): Promise<WorkspaceClient> {
	const client = await WorkspaceClient.open(i, { author, onError: (e) => errors.push(e) }, channelHost());
	open.push(client);
	return client;
}

async function until<T>(read: () => T | Promise<T>, ok: (value: T) => boolean, timeoutMs = 8_000): Promise<T> {
	const end = Date.now() + timeoutMs;
	for (;;) {
		const value = await read();
		if (ok(value)) return value;
		if (Date.now() > end) throw new Error(`timed out; last value ${JSON.stringify(value)}`);
		await new Promise((r) => setTimeout(r, 25));
	}
}

describe('WorkspaceClient over a message port', () => {
	it('writes through the host and reads its own write from Dexie at once', async () => {
		const client = await openClient(info());
		const runs = new RunRepository(client.db, client.shared);
		await runs.create(run('r1'));
		expect((await client.db.runs.get('r1'))?.params).toEqual({ lr: 0.01 });
		await runs.update('r1', (r) => void (r.tags = [...r.tags, 'b']));
		expect((await client.db.runs.get('r1'))?.tags).toEqual(['b', 'baseline']);
		// The document loaded on the first write: the device id and this member are known.
		expect(client.deviceId).toMatch(/^[0-9a-f]{16}$/);
		expect(client.members().map((m) => m.name)).toEqual(['ada']);
		// The host's timings cross too: the projection flushes that wrote the run.
		const flushes = (await client.timings()).filter((t) => t.name === 'projection: flush');
		expect(flushes.some((t) => (t.detail?.runs ?? 0) >= 1 && t.ms >= 0)).toBe(true);
	});

	it('turns a failure in the host into a named error with its code, and the store is unchanged', async () => {
		const client = await openClient(info());
		await client.ready;
		const error = await client.shared.updateRun(run('missing'), run('missing', { notes: 'x' })).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(Error);
		expect((error as Error).name).toBe('NotFoundError');
		expect((error as { code?: string }).code).toBe('not_found');
		expect(await client.db.runs.count()).toBe(0);
	});

	it('has no mesh for a private workspace and says so when a chunk is wanted', async () => {
		const client = await openClient(info());
		expect(await client.startSync()).toBeNull();
		expect(client.mesh).toBeNull();
		await expect(client.fetchArtifactChunk('0'.repeat(64))).rejects.toThrow(/not shared/);
	});
});

describe('two WorkspaceClients sync through a relay', () => {
	it('mirror runs, sync status and presence across the boundary', async () => {
		relay = await startSignaling({ port: 0, host: '127.0.0.1' });
		const secret = newWorkspaceSecret();
		const shared = { ...secret, signalingUrls: [relay.url], shared: true };
		const a = await openClient(info(shared), 'ada');
		// Set before A's host has even opened: it must still reach the worker (and so B).
		a.awareness.setLocalStateField('page', '/p/proj');
		const b = await openClient(info(shared), 'grace');
		const meshes: unknown[] = [];
		b.onMeshChange((mesh) => meshes.push(mesh));
		await Promise.all([a.startSync(), b.startSync()]);

		await new RunRepository(a.db, a.shared).create(run('from-a'));
		await until(() => b.db.runs.get('from-a'), (r) => r?.name === 'run from-a');

		// The status pushed by B's worker shows A as a peer, in sync.
		expect(meshes).toHaveLength(1);
		await until(() => b.mesh?.status, (s) => !!s && s.peers.length === 1 && s.docsInSync);
		// Both members recorded in the shared document reach B's page.
		await until(() => b.members().map((m) => m.name).sort().join(), (names) => names === 'ada,grace');

		// Presence set on A's page reaches B's page through both workers and the mesh.
		const people = await until(
			() => [...b.awareness.getStates().entries()].filter(([id]) => id !== b.awareness.clientID).map(([, s]) => parsePresenceState(s)),
			(states) => states.some((p) => p?.page === '/p/proj')
		);
		expect(people.find((p) => p?.page === '/p/proj')?.user.name).toBe('ada');
	});
});
