import { describe, expect, it } from 'vitest';
import type { SyncStatus } from '$lib/sync/mesh-types';
import { formatRelative, summarizeSync } from '$lib/ui/workspaces/sync-summary';

function status(patch: Partial<SyncStatus> = {}): SyncStatus {
	return { peers: [], signaling: 'connected', signalingError: null, docsInSync: true, chunksPending: 0, lastSyncAt: null, badPeers: [], ...patch };
}
const peer = (peerId: string, inSync = true) => ({ peerId, links: ['webrtc' as const], inSync });

describe('summarizeSync', () => {
	it('without a mesh: private, or shared and starting, or failed to start', () => {
		expect(summarizeSync(null, false)).toMatchObject({ tone: 'private', label: 'Private — not shared' });
		expect(summarizeSync(null, true)).toMatchObject({ tone: 'connecting', label: 'Shared — starting sync…' });
		const failed = summarizeSync(null, true, 'The key is invalid.');
		expect(failed).toMatchObject({ tone: 'offline', label: 'Sync could not start' });
		expect(failed.detail).toMatch(/^The key is invalid\. Cairn keeps working on this device/);
	});

	it('alone: connecting, no one online, or offline with the reason and the local-first promise', () => {
		expect(summarizeSync(status({ signaling: 'connecting' }), true)).toMatchObject({ tone: 'connecting', label: 'Connecting…' });
		expect(summarizeSync(status(), true)).toMatchObject({ tone: 'idle', label: 'Shared — no one else online' });
		const offline = summarizeSync(status({ signaling: 'unreachable', signalingError: 'wss://signal.example refused the connection' }), true);
		expect(offline).toMatchObject({ tone: 'offline', label: 'Offline — working locally' });
		expect(offline.detail).toMatch(/refused the connection\. Cairn keeps working on this device/);
		expect(summarizeSync(status({ signaling: 'unreachable' }), true).detail).toMatch(/cannot be reached/);
	});

	it('with peers: in sync, or syncing with chunks pending', () => {
		expect(summarizeSync(status({ peers: [peer('a')] }), true)).toMatchObject({ tone: 'ok', label: 'In sync · 1 peer' });
		expect(summarizeSync(status({ peers: [peer('a'), peer('b', false)], docsInSync: false }), true)).toMatchObject({
			tone: 'syncing',
			label: 'Syncing · 2 peers'
		});
		expect(summarizeSync(status({ peers: [peer('a')], chunksPending: 1 }), true).label).toBe('Syncing · 1 peer, 1 chunk pending');
		expect(summarizeSync(status({ peers: [peer('a')], chunksPending: 12 }), true).label).toBe('Syncing · 1 peer, 12 chunks pending');
	});

	it('peers over another link while signaling is down: still in sync, and says why signaling failed', () => {
		const s = summarizeSync(status({ peers: [peer('a')], signaling: 'unreachable', signalingError: 'DNS failed' }), true);
		expect(s.tone).toBe('ok');
		expect(s.detail).toMatch(/^DNS failed\. /);
	});
});

describe('formatRelative', () => {
	const now = Date.UTC(2026, 10, 26, 12, 0, 0);
	it('reads like a person would say it', () => {
		expect(formatRelative(now, now)).toBe('just now');
		expect(formatRelative(now + 5000, now)).toBe('just now');
		expect(formatRelative(now - 42_000, now)).toBe('42 s ago');
		expect(formatRelative(now - 5 * 60_000, now)).toBe('5 min ago');
		expect(formatRelative(now - 3 * 3_600_000, now)).toBe('3 h ago');
		expect(formatRelative(now - 3 * 86_400_000, now)).toBe(new Date(now - 3 * 86_400_000).toLocaleDateString());
	});
});
