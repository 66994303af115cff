import { describe, expect, it } from 'vitest';
import { DecryptionError, decrypt, encrypt, generateKeyBytes, importKey, IV_BYTES } from '$lib/sync/encryption';
import { formatShareLink, fromBase64Url, InvalidShareLinkError, newShareSecret, parseShareLink, roomHash, toBase64Url } from '$lib/sync/share-link';

describe('share links', () => {
	it('round-trip, with the secret only after #', () => {
		const secret = newShareSecret();
		const link = formatShareLink('https://cairn.example/', secret);
		const url = new URL(link);
		expect(url.pathname).toBe('/');
		expect(url.search).toBe('');
		expect(url.hash.startsWith('#/join/')).toBe(true);
		expect(parseShareLink(link)).toEqual(secret);
		expect(parseShareLink(url.hash)).toEqual(secret);
	});

	it('rejects malformed links and keys of the wrong length', () => {
		const { roomId, key } = newShareSecret();
		const good = `${toBase64Url(roomId)}.${toBase64Url(key)}`;
		expect(() => parseShareLink(`https://x/join/${good}`)).toThrow(InvalidShareLinkError);
		expect(() => parseShareLink(`https://x/#/open/${good}`)).toThrow(/#\/join\//);
		expect(() => parseShareLink(`https://x/#/join/${toBase64Url(roomId)}`)).toThrow(/<room>.<key>/);
		expect(() => parseShareLink(`https://x/#/join/${toBase64Url(roomId)}.${toBase64Url(key.subarray(0, 16))}`)).toThrow(/key is 16 bytes/);
		expect(() => parseShareLink(`https://x/#/join/${toBase64Url(roomId.subarray(1))}.${toBase64Url(key)}`)).toThrow(/room id is 15 bytes/);
		expect(() => parseShareLink(`https://x/#/join/${good}!`)).toThrow(/base64url/);
		expect(() => parseShareLink(`https://x/#/join/a.b.c`)).toThrow(InvalidShareLinkError);
	});

	it('base64url matches the standard alphabet without padding', () => {
		const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
		expect(toBase64Url(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
		expect([...fromBase64Url(toBase64Url(bytes))]).toEqual([...bytes]);
	});

	it('the room hash reveals neither the room id nor the key', async () => {
		const { roomId } = newShareSecret();
		const hash = await roomHash(roomId);
		expect(hash).toMatch(/^[0-9a-f]{64}$/);
		expect(hash).not.toContain(toBase64Url(roomId));
	});
});

describe('AES-GCM messages', () => {
	it('encrypt with a fresh IV each time and decrypt back', async () => {
		const key = await importKey(generateKeyBytes());
		const text = new TextEncoder().encode('marker-7f3a: loss 0.31');
		const a = await encrypt(key, text);
		const b = await encrypt(key, text);
		expect(Buffer.from(a.subarray(0, IV_BYTES)).equals(Buffer.from(b.subarray(0, IV_BYTES)))).toBe(false);
		expect(Buffer.from(a).includes(Buffer.from('marker-7f3a'))).toBe(false);
		expect(new TextDecoder().decode(await decrypt(key, a))).toBe('marker-7f3a: loss 0.31');
	});

	it('drops tampered messages and messages under another key with a named error', async () => {
		const key = await importKey(generateKeyBytes());
		const other = await importKey(generateKeyBytes());
		const sealed = await encrypt(key, new TextEncoder().encode('hello'));
		const tampered = sealed.slice();
		tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
		await expect(decrypt(key, tampered)).rejects.toThrow(DecryptionError);
		await expect(decrypt(other, sealed)).rejects.toThrow(/wrong key or tampered/);
		await expect(decrypt(key, sealed.subarray(0, 10))).rejects.toThrow(/too short/);
		await expect(importKey(new Uint8Array(16))).rejects.toThrow(/32 bytes/);
	});
});
