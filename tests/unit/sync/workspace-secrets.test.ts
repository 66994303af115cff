import { describe, expect, it } from 'vitest';
import { KEY_BYTES } from '$lib/sync/encryption';
import { fromBase64Url, InvalidShareLinkError, parseShareLink, ROOM_ID_BYTES, toBase64Url } from '$lib/sync/share-link';
import { isJoinFragment, newWorkspaceSecret, secretFromLink, shareLinkFor } from '$lib/sync/workspace-secrets';

describe('workspace secrets', () => {
	it('are base64url text of a room id and a key of the right sizes, fresh each time', () => {
		const a = newWorkspaceSecret();
		const b = newWorkspaceSecret();
		expect(a.roomId).toMatch(/^[A-Za-z0-9_-]+$/);
		expect(a.key).toMatch(/^[A-Za-z0-9_-]+$/);
		expect(fromBase64Url(a.roomId)).toHaveLength(ROOM_ID_BYTES);
		expect(fromBase64Url(a.key)).toHaveLength(KEY_BYTES);
		expect(a).not.toEqual(b);
	});

	it('round-trip through a share link, with the secret only in the fragment', () => {
		const secret = newWorkspaceSecret();
		const link = shareLinkFor(secret, 'https://cairn.example/');
		const url = new URL(link);
		expect(url.origin + url.pathname).toBe('https://cairn.example/');
		expect(url.hash).toBe(`#/join/${secret.roomId}.${secret.key}`);
		expect(secretFromLink(link)).toEqual(secret);
		expect(secretFromLink(url.hash)).toEqual(secret);
		const bytes = parseShareLink(link);
		expect(toBase64Url(bytes.roomId)).toBe(secret.roomId);
	});

	it('rejects malformed links and stored secrets of the wrong length', () => {
		expect(() => secretFromLink('https://cairn.example/#/join/abc.def')).toThrow(InvalidShareLinkError);
		expect(() => secretFromLink('https://cairn.example/')).toThrow(/after #/);
		const { roomId } = newWorkspaceSecret();
		expect(() => shareLinkFor({ roomId, key: 'c2hvcnQ' }, 'https://x')).toThrow(/key is 5 bytes/);
		expect(() => shareLinkFor({ roomId: '', key: 'x' }, 'https://x')).toThrow(InvalidShareLinkError);
	});

	it('tells join fragments from others', () => {
		expect(isJoinFragment('#/join/abc.def')).toBe(true);
		expect(isJoinFragment('#/join/')).toBe(true);
		expect(isJoinFragment('')).toBe(false);
		expect(isJoinFragment('#section')).toBe(false);
		expect(isJoinFragment('#/joint')).toBe(false);
	});
});
