/**
 * Yjs transaction origins, named in one place (STYLE.md habit 7). Providers
 * skip updates whose origin is themselves; the projection projects every
 * change whatever its origin. (The always-on peer's disk persistence names its
 * own, DISK_ORIGIN in peer/disk-doc.ts: it lives outside src/lib.)
 */
/** Writes by this device's repositories (SDK and UI). */
export const LOCAL_ORIGIN = Symbol('cairn:local');
/** The one-time import of a foundation-era Dexie database into the document. */
export const MIGRATION_ORIGIN = Symbol('cairn:migration');

/**
 * Every update and awareness change the sync mesh applies on behalf of a
 * remote peer carries that peer's PeerOrigin. The mesh's doc and awareness
 * 'update' handlers read it to send a change on to every peer except the one
 * it came from, and to remember which awareness clients belong to which peer
 * (so they can be removed when that peer leaves). Changes with any other
 * origin (local edits, y-indexeddb loads) are sent to every peer.
 */
export class PeerOrigin {
	constructor(readonly peerId: string) {}
}

export function peerOriginOf(origin: unknown): PeerOrigin | null {
	return origin instanceof PeerOrigin ? origin : null;
}
