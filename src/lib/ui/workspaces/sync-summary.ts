/**
 * Words for the sync indicator: one short label (announced politely when it
 * changes), a sentence of detail, and a tone for the dot's colour. Pure, so
 * every state of the mesh contract (sync/mesh-types.ts) is unit-tested.
 */
import type { SyncStatus } from '$lib/sync/mesh-types';

export type SyncTone = 'private' | 'connecting' | 'idle' | 'ok' | 'syncing' | 'offline';

export interface SyncSummary {
	tone: SyncTone;
	label: string;
	detail: string;
}

const LOCAL_NOTE = 'Cairn keeps working on this device; changes sync when a teammate is reachable again.';

export function peersText(count: number): string {
	return `${count} peer${count === 1 ? '' : 's'}`;
}

/**
 * @param status the mesh's status, or null while there is no mesh (not shared, or not started yet)
 * @param shared whether the workspace was shared or joined (the registry's flag)
 * @param syncError why starting the mesh failed, if it did
 */
export function summarizeSync(status: SyncStatus | null, shared: boolean, syncError: string | null = null): SyncSummary {
	if (!status) {
		if (shared && syncError) return { tone: 'offline', label: 'Sync could not start', detail: `${syncError.replace(/\.$/, '')}. ${LOCAL_NOTE}` };
		return shared
			? { tone: 'connecting', label: 'Shared — starting sync…', detail: 'Sync starts when the workspace opens. Everything works locally in the meantime.' }
			: { tone: 'private', label: 'Private — not shared', detail: 'This workspace lives only on this device. Use Share… to invite teammates.' };
	}
	const peers = status.peers.length;
	const signalingTrouble = status.signaling === 'unreachable' ? `${status.signalingError ?? 'The signaling server cannot be reached'}. ` : '';
	if (peers === 0) {
		if (status.signaling === 'unreachable') return { tone: 'offline', label: 'Offline — working locally', detail: `${signalingTrouble}${LOCAL_NOTE}` };
		if (status.signaling === 'connecting') return { tone: 'connecting', label: 'Connecting…', detail: 'Looking for teammates. Everything works locally in the meantime.' };
		return { tone: 'idle', label: 'Shared — no one else online', detail: 'Changes are saved here and sync when a teammate comes online.' };
	}
	const pending = status.chunksPending > 0 ? `, ${status.chunksPending} chunk${status.chunksPending === 1 ? '' : 's'} pending` : '';
	if (status.docsInSync && status.chunksPending === 0)
		return { tone: 'ok', label: `In sync · ${peersText(peers)}`, detail: `${signalingTrouble}Everything you have matches what your peers have.` };
	return {
		tone: 'syncing',
		label: `Syncing · ${peersText(peers)}${pending}`,
		detail: `${signalingTrouble}Exchanging changes${status.chunksPending > 0 ? ' and metric or artifact chunks' : ''} with your peers.`
	};
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", then the date. */
export function formatRelative(then: number, now: number): string {
	const seconds = Math.floor((now - then) / 1000);
	if (seconds < 10) return 'just now';
	if (seconds < 60) return `${seconds} s ago`;
	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) return `${minutes} min ago`;
	const hours = Math.floor(minutes / 60);
	if (hours < 24) return `${hours} h ago`;
	return new Date(then).toLocaleDateString();
}
