/**
 * Short, non-cryptographic digests of index lists, used as split ids in a run's
 * data reference (`data.splitIds`). Pure JS on purpose: it runs identically in
 * Node, a worker and the page without WebCrypto's async API. Not for bytes that
 * must be named (artifacts use SHA-256, principle 3): two splits are only ever
 * compared with each other, and a 32-bit collision between two different splits
 * of the same data set is a one-in-four-billion event.
 */

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a over the UTF-16 code units of `text` (equal to its bytes for ASCII). */
export function fnv1a32(text: string): number {
	let hash = FNV_OFFSET_BASIS;
	for (let i = 0; i < text.length; i++) {
		hash ^= text.charCodeAt(i);
		hash = Math.imul(hash, FNV_PRIME);
	}
	return hash >>> 0;
}

/**
 * `fnv1a32:` + 8 hex digits of FNV-1a over the ascending indices joined by
 * commas, e.g. [2, 0, 1] → FNV-1a("0,1,2"). Order-insensitive, so the digest
 * names the set of rows, not the order they were drawn in. Reproduce with
 * any FNV-1a implementation over that ASCII string.
 */
export function indexListDigest(indices: readonly number[]): string {
	const canonical = [...indices].sort((a, b) => a - b).join(',');
	return `fnv1a32:${fnv1a32(canonical).toString(16).padStart(8, '0')}`;
}
