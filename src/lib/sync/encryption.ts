/**
 * End-to-end encryption of everything that leaves the device (principle 5):
 * AES-GCM with a 256-bit workspace key and a fresh 12-byte IV per message, as
 * Excalidraw's encryption.ts and y-webrtc's crypto.js do. The key travels only
 * in a share link's URL fragment. Uses globalThis.crypto so it runs on the main
 * thread, in workers and in Node (the always-on peer).
 */
import { CairnError } from '$lib/core/errors';

/** 96-bit IVs: the size AES-GCM is specified for; random per message, never reused with a key. */
export const IV_BYTES = 12;
export const KEY_BYTES = 32;

/** A message failed authentication: wrong key, or tampered with on the way. Drop it and report. */
export class DecryptionError extends CairnError {
	override readonly name: string = 'DecryptionError';
	constructor(why: string) {
		super('decryption_failed', `A message could not be decrypted (${why}); it was dropped. Check that everyone uses the same share link.`);
	}
}

export function generateKeyBytes(): Uint8Array<ArrayBuffer> {
	return globalThis.crypto.getRandomValues(new Uint8Array(KEY_BYTES));
}

export async function importKey(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
	if (raw.length !== KEY_BYTES) throw new RangeError(`A workspace key is ${KEY_BYTES} bytes; got ${raw.length}.`);
	return globalThis.crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

/** IV ‖ ciphertext (with GCM's 16-byte tag), ready to send. */
export async function encrypt(key: CryptoKey, plaintext: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
	const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
	const sealed = new Uint8Array(await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plaintext));
	const out = new Uint8Array(IV_BYTES + sealed.length);
	out.set(iv, 0);
	out.set(sealed, IV_BYTES);
	return out;
}

export async function decrypt(key: CryptoKey, message: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
	if (message.length < IV_BYTES + 16) throw new DecryptionError('it is too short to hold an IV and a tag');
	try {
		const plain = await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv: message.subarray(0, IV_BYTES) }, key, message.subarray(IV_BYTES));
		return new Uint8Array(plain);
	} catch {
		throw new DecryptionError('wrong key or tampered message');
	}
}
