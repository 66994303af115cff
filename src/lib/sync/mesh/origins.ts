/**
 * Yjs transaction origins used by the mesh, in one place (STYLE.md habit 7).
 *
 * Every update and awareness change the mesh applies on behalf of a remote
 * peer carries that peer's PeerOrigin. The doc and awareness 'update' handlers
 * read it to send a change on to every peer except the one it came from, and
 * to remember which awareness clients belong to which peer (so they can be
 * removed when that peer leaves). Changes with any other origin (local edits,
 * y-indexeddb loads) are sent to every peer.
 */
export class PeerOrigin {
	constructor(readonly peerId: string) {}
}

export function peerOriginOf(origin: unknown): PeerOrigin | null {
	return origin instanceof PeerOrigin ? origin : null;
}
