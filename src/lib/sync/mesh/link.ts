/**
 * What a link (BroadcastChannel, relay, WebRTC) is to the mesh: a way to move
 * sealed (already encrypted) packets to peers. Links never see plaintext; the
 * mesh seals before send() and opens after packet(). Each link knows who sent
 * a packet only as well as its medium does (the relay server's stamp, the
 * BroadcastChannel envelope, the data channel's far end); the mesh checks that
 * against the sender sealed inside.
 */
import type { PeerInfo } from '../mesh-types';

export type LinkKind = PeerInfo['links'][number];

/** Lower is better: the mesh sends to a peer over its best open link. */
export const LINK_RANK: Record<LinkKind, number> = { webrtc: 0, broadcast: 1, relay: 2 };

export interface Link {
	readonly kind: LinkKind;
	start(): void;
	stop(): void;
	/** To one peer, or to every peer on the link when `to` is null. Drops silently when the link is down. */
	send(to: string | null, sealed: Uint8Array<ArrayBuffer>): void;
}

/** How links report to the mesh. */
export interface LinkEvents {
	/** A sealed packet arrived from `from` (as the link knows it). */
	packet(link: Link, from: string, sealed: Uint8Array<ArrayBuffer>): void;
	/** Announce ourselves on the link (it just came up, or a keepalive is due). */
	announce(link: Link, wantsReply: boolean): void;
	/** A point-to-point link to `peerId` opened (WebRTC data channel). */
	peerUp(link: Link, peerId: string): void;
	/** `peerId` (or, with null, every peer) can no longer be reached through the link. */
	peerDown(link: Link, peerId: string | null): void;
	/** The peer broke the link's own framing (e.g. bad WebRTC fragments). */
	misbehaved(peerId: string, reason: string): void;
	/** The link's state (signaling) changed. */
	changed(): void;
}
