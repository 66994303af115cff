import { describe, expect, it } from 'vitest';
import { mulberry32 } from '$lib/core/ml/prng';
import { SPLIT_LOGIC, stratifiedSplit } from '$lib/core/ml/split';
import { iris } from './iris';

function countBy(labels: readonly number[], rows: readonly number[]): Map<number, number> {
	const counts = new Map<number, number>();
	for (const r of rows) counts.set(labels[r]!, (counts.get(labels[r]!) ?? 0) + 1);
	return counts;
}

describe('stratifiedSplit on Iris', () => {
	const { labels } = iris();

	it('cuts each class 30/10/10', () => {
		const split = stratifiedSplit(labels, 42);
		expect(split.train).toHaveLength(90);
		expect(split.val).toHaveLength(30);
		expect(split.test).toHaveLength(30);
		for (const part of ['train', 'val', 'test'] as const) {
			const expected = part === 'train' ? 30 : 10;
			expect(countBy(labels, split[part])).toEqual(new Map([[0, expected], [1, expected], [2, expected]]));
		}
		expect(SPLIT_LOGIC).toBe('stratified 60/20/20 by class');
	});

	it('is disjoint, covers every row once and lists rows ascending', () => {
		const split = stratifiedSplit(labels, 42);
		const all = [...split.train, ...split.val, ...split.test].sort((a, b) => a - b);
		expect(all).toEqual(Array.from({ length: 150 }, (_, i) => i));
		for (const part of [split.train, split.val, split.test]) expect(part).toEqual([...part].sort((a, b) => a - b));
	});

	it('is deterministic per seed and changes with the seed', () => {
		const a = stratifiedSplit(labels, 42);
		expect(stratifiedSplit(labels, 42)).toEqual(a);
		const b = stratifiedSplit(labels, 43);
		expect(b.train).not.toEqual(a.train);
		expect(b.digests.train).not.toBe(a.digests.train);
	});

	it('pins the demo split digests (a change here changes every recorded demo data reference)', () => {
		expect(stratifiedSplit(labels, 42).digests).toEqual({
			train: 'fnv1a32:bf85bfd5',
			val: 'fnv1a32:03e9e7ef',
			test: 'fnv1a32:e1b06b2a'
		});
	});
});

describe('stratifiedSplit on random labels (seeded fuzz)', () => {
	it('keeps every split disjoint, complete and within one row of 60/20/20 per class', () => {
		for (let seed = 0; seed < 100; seed++) {
			const random = mulberry32(seed);
			const classes = 1 + Math.floor(random() * 5);
			const labels = Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * classes));
			const split = stratifiedSplit(labels, seed);
			const all = [...split.train, ...split.val, ...split.test].sort((a, b) => a - b);
			expect(all, `seed ${seed}`).toEqual(labels.map((_, i) => i));
			const total = countBy(labels, labels.map((_, i) => i));
			const train = countBy(labels, split.train);
			const val = countBy(labels, split.val);
			for (const [label, n] of total) {
				expect(Math.abs((train.get(label) ?? 0) - 0.6 * n), `seed ${seed} class ${label}`).toBeLessThanOrEqual(0.5);
				expect(Math.abs((val.get(label) ?? 0) - 0.2 * n), `seed ${seed} class ${label}`).toBeLessThanOrEqual(0.5);
			}
		}
	});

	it('does not depend on the order in which classes first appear', () => {
		// Rows 0–3 class 1, rows 4–7 class 0 vs. the same rows relabelled by position:
		// the per-class draws happen in label order, so each class gets the same cut.
		const a = stratifiedSplit([1, 1, 1, 1, 1, 0, 0, 0, 0, 0], 3);
		const b = stratifiedSplit([0, 0, 0, 0, 0, 1, 1, 1, 1, 1], 3);
		expect(a.train.filter((r) => r >= 5)).toEqual(b.train.filter((r) => r < 5).map((r) => r + 5));
	});
});
