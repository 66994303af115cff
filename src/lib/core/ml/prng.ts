/**
 * Seeded randomness for training. Everything random in core/ml (the split, the
 * weight initialisation, the mini-batch order) draws from a `Random` built here,
 * so a run is reproduced exactly by its seed. Math.random is never used.
 */
import { fnv1a32 } from './digest';

/** A stream of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32 (Tommy Ettinger, public domain): a 32-bit state generator that is
 * tiny, fast and passes the common statistical batteries; plenty for shuffles
 * and initial weights, not for cryptography.
 */
export function mulberry32(seed: number): Random {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/**
 * An independent stream per purpose ("split", "init", "shuffle"), so that e.g.
 * changing the number of epochs never changes the split. The derivation is
 * FNV-1a of `${seed}/${purpose}`, written down so other tools can redo it.
 */
export function seededStream(seed: number, purpose: string): Random {
	return mulberry32(fnv1a32(`${seed >>> 0}/${purpose}`));
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T>(items: T[], random: Random): T[] {
	for (let i = items.length - 1; i > 0; i--) {
		const j = Math.floor(random() * (i + 1));
		const a = items[i] as T;
		items[i] = items[j] as T;
		items[j] = a;
	}
	return items;
}
