/**
 * Run ids: time-ordered so that ids sort by creation, random enough to never
 * collide between devices (80 random bits), URL-safe so a run page has a stable URL.
 */
export function newRunId(now: number, random: (bytes: Uint8Array<ArrayBuffer>) => Uint8Array = (b) => globalThis.crypto.getRandomValues(b)): string {
	const bytes = random(new Uint8Array(10));
	let rand = '';
	for (const b of bytes) rand += b.toString(16).padStart(2, '0');
	return `${Math.floor(now).toString(36).padStart(9, '0')}-${rand}`;
}
