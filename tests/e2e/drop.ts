/**
 * Files dropped on a page in real Chromium tests: a File of seeded pattern
 * bytes, made in the page (no bytes cross the test driver) and dropped on the
 * run page's artifact zone through a scripted DataTransfer. `patternBytes` is
 * the generator on the Node side, for expected hashes; installPatternBytes puts
 * the same function in the page.
 */
import type { Page } from 'playwright-core';

/** xorshift32 bytes. */
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

/**
 * Defines `globalThis.cairnPatternBytes` in the page: patternBytes's own source
 * (functions cannot be passed into page.evaluate, their text can). Again after
 * every full page load.
 */
export function installPatternBytes(page: Page): Promise<void> {
	return page.evaluate(`globalThis.cairnPatternBytes = ${patternBytes.toString()};`);
}

/** Drops a File of patternBytes(size, seed) named `name` on the page's artifact drop zone. */
export async function dropPattern(page: Page, name: string, size: number, seed: number): Promise<void> {
	await installPatternBytes(page);
	await page.evaluate(
		({ name, size, seed }) => {
			const bytes = (globalThis as unknown as { cairnPatternBytes: (size: number, seed: number) => Uint8Array<ArrayBuffer> }).cairnPatternBytes(size, seed);
			const transfer = new DataTransfer();
			transfer.items.add(new File([bytes], name));
			const zone = document.querySelector('[data-testid="artifact-drop-zone"]')!;
			for (const type of ['dragenter', 'dragover', 'drop'])
				zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
		},
		{ name, size, seed }
	);
}
