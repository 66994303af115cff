/**
 * SHA-256 as lowercase hex, the same string `sha256sum` prints. Uses WebCrypto
 * through globalThis so it runs on the main thread, in workers and in Node; in
 * Chromium the digest runs off the calling thread.
 */
export async function sha256Hex(data: BufferSource): Promise<string> {
	const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', data));
	let hex = '';
	for (const b of digest) hex += HEX[b];
	return hex;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
