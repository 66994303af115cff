/**
 * Files dropped on a page in real Chromium tests: a File of seeded pattern
 * bytes, made in the page (no bytes cross the test driver) and dropped on the
 * run page's artifact zone through a scripted DataTransfer. `patternBytes` is
 * the same generator on the Node side, for expected hashes.
 */
import type { Page } from 'playwright-core';

/** xorshift32 bytes: the same generator runs in the page (duplicated there: functions cannot cross into it). */
export function patternBytes(size: number, seed: number): Uint8Array {
	const out = new Uint8Array(size);
	let x = seed | 0;
	for (let i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		out[i] = x & 0xff;
	}
	return out;
}

/** Drops a File of patternBytes(size, seed) named `name` on the page's artifact drop zone. */
export function dropPattern(page: Page, name: string, size: number, seed: number): Promise<void> {
	return page.evaluate(
		({ name, size, seed }) => {
			const bytes = new Uint8Array(size);
			let x = seed | 0;
			for (let i = 0; i < size; i++) {
				x ^= x << 13;
				x ^= x >>> 17;
				x ^= x << 5;
				bytes[i] = x & 0xff;
			}
			const transfer = new DataTransfer();
			transfer.items.add(new File([bytes], name));
			const zone = document.querySelector('[data-testid="artifact-drop-zone"]')!;
			for (const type of ['dragenter', 'dragover', 'drop'])
				zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
		},
		{ name, size, seed }
	);
}
