/**
 * Workspace secrets as text: the registry (store layer, which must not import
 * sync) keeps a workspace's room id and AES-GCM key as the base64url strings a
 * share link carries. This module converts between those strings and
 * share-link.ts's bytes, so the link format stays defined in one place.
 */
import type { WorkspaceInfo } from '$lib/core/workspace';
import { formatShareLink, fromBase64Url, newShareSecret, parseShareLink, toBase64Url } from './share-link';

export interface WorkspaceSecret {
	/** base64url of ROOM_ID_BYTES random bytes */
	roomId: string;
	/** base64url of the 256-bit AES-GCM key */
	key: string;
}

const JOIN_FRAGMENT = '#/join/';

export function newWorkspaceSecret(): WorkspaceSecret {
	const { roomId, key } = newShareSecret();
	return { roomId: toBase64Url(roomId), key: toBase64Url(key) };
}

/** Parses a whole link or its fragment; throws InvalidShareLinkError with a message for the user. */
export function secretFromLink(link: string): WorkspaceSecret {
	const { roomId, key } = parseShareLink(link);
	return { roomId: toBase64Url(roomId), key: toBase64Url(key) };
}

/** The link that lets someone join `info`: `<origin>/#/join/<roomId>.<key>`. Throws if the stored secret is malformed. */
export function shareLinkFor(info: Pick<WorkspaceInfo, 'roomId' | 'key'>, origin: string): string {
	const link = formatShareLink(origin, { roomId: fromBase64Url(info.roomId), key: fromBase64Url(info.key) });
	// Parse it back: a stored secret of the wrong length must fail here, not on the teammate's device.
	parseShareLink(link);
	return link;
}

/** True when a URL fragment (location.hash) is meant as a join link, well formed or not. */
export function isJoinFragment(hash: string): boolean {
	return hash.startsWith(JOIN_FRAGMENT);
}
