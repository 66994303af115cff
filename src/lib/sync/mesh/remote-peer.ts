/** What the mesh knows about one connected peer. */
import { LINK_RANK, type Link, type LinkKind } from './link';
import { PeerOrigin } from '../origins';
import { SerialQueue } from './serial-queue';

export class RemotePeer {
	readonly id: string;
	/** Transaction origin of everything applied on this peer's behalf. */
	readonly origin: PeerOrigin;
	/** Open links to the peer; the peer is gone when the last one closes. */
	readonly links = new Set<Link>();
	/** Frames to this peer leave in the order they were written, whichever link carries them. */
	readonly outbox = new SerialQueue();
	/** Awareness client ids this peer told us about, removed when it leaves. */
	readonly awarenessClients = new Set<number>();
	/** The peer answered our sync step 1: we hold everything it had then. */
	gotStep2 = false;
	/** The peer's last reported state vector. */
	stateVector: Map<number, number> | null = null;

	constructor(id: string) {
		this.id = id;
		this.origin = new PeerOrigin(id);
	}

	bestLink(): Link | null {
		let best: Link | null = null;
		for (const link of this.links) if (!best || LINK_RANK[link.kind] < LINK_RANK[best.kind]) best = link;
		return best;
	}

	linkKinds(): LinkKind[] {
		return [...new Set([...this.links].map((link) => link.kind))].sort((a, b) => LINK_RANK[a] - LINK_RANK[b]);
	}

	linkOf(kind: LinkKind): Link | null {
		for (const link of this.links) if (link.kind === kind) return link;
		return null;
	}
}
