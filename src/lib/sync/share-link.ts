/**
 * Share links: `<origin>/#/join/<roomId>.<key>`. Both parts are base64url; the
 * secret sits only after `#`, so it never reaches a server (fragments are not
 * sent in HTTP requests) — the signaling server sees only roomHash(roomId).
 * The parser rejects anything malformed, keys of the wrong length included.
 */
import { CairnError } from '$lib/core/errors';
import { sha256Hex } from '$lib/core/hash';
import { generateKeyBytes, KEY_BYTES } from './encryption';

/** 128-bit room ids: unguessable, so a room hash reveals nothing useful. */
export const ROOM_ID_BYTES = 16;
const PREFIX = '#/join/';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export class InvalidShareLinkError extends CairnError {
	override readonly name: string = 'InvalidShareLinkError';
	constructor(why: string) {
		super('invalid_share_link', `This is not a valid Cairn share link: ${why}. Ask for the link again and paste it whole.`);
	}
}

export interface ShareSecret {
	roomId: Uint8Array<ArrayBuffer>;
	key: Uint8Array<ArrayBuffer>;
}

export function toBase64Url(bytes: Uint8Array): string {
	let binary = '';
	for (const b of bytes) binary += String.fromCharCode(b);
	return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
	if (!BASE64URL.test(text)) throw new InvalidShareLinkError('it contains characters that are not base64url');
	const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
	let binary: string;
	try {
		binary = atob(padded);
	} catch {
		throw new InvalidShareLinkError('it is not valid base64url');
	}
	return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export function newShareSecret(): ShareSecret {
	return {
		roomId: globalThis.crypto.getRandomValues(new Uint8Array(ROOM_ID_BYTES)),
		key: generateKeyBytes()
	};
}

export function formatShareLink(origin: string, secret: ShareSecret): string {
	return `${origin.replace(/\/+$/, '')}/${PREFIX}${toBase64Url(secret.roomId)}.${toBase64Url(secret.key)}`;
}

/** Accepts a whole link or just its fragment. */
export function parseShareLink(link: string): ShareSecret {
	const at = link.indexOf('#');
	if (at < 0) throw new InvalidShareLinkError('the part after # is missing');
	const fragment = link.slice(at);
	if (!fragment.startsWith(PREFIX)) throw new InvalidShareLinkError(`it should contain "${PREFIX}"`);
	const parts = fragment.slice(PREFIX.length).split('.');
	if (parts.length !== 2 || !parts[0] || !parts[1]) throw new InvalidShareLinkError('it should end in <room>.<key>');
	const roomId = fromBase64Url(parts[0]);
	const key = fromBase64Url(parts[1]);
	if (roomId.length !== ROOM_ID_BYTES) throw new InvalidShareLinkError(`the room id is ${roomId.length} bytes, not ${ROOM_ID_BYTES}`);
	if (key.length !== KEY_BYTES) throw new InvalidShareLinkError(`the key is ${key.length} bytes, not ${KEY_BYTES}`);
	return { roomId, key };
}

/** What the signaling server may see: a hash of the room id, never the id or the key. */
export function roomHash(roomId: Uint8Array<ArrayBuffer>): Promise<string> {
	return sha256Hex(roomId);
}
