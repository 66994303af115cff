/**
 * Seeded stratified split: each class is shuffled on its own and cut 60/20/20,
 * so every split keeps the class proportions of the whole set (Iris: 30/10/10
 * per class → 90/30/30 rows).
 */
import { indexListDigest } from './digest';
import { seededStream, shuffleInPlace } from './prng';
import type { DataSplit } from './types';

/** Written into a run's data reference; keep it in step with SPLIT_FRACTIONS. */
export const SPLIT_LOGIC = 'stratified 60/20/20 by class';
export const SPLIT_FRACTIONS = { train: 0.6, val: 0.2 } as const;

export function stratifiedSplit(labels: readonly number[], seed: number): DataSplit {
	const byClass = new Map<number, number[]>();
	labels.forEach((label, index) => {
		const rows = byClass.get(label);
		if (rows) rows.push(index);
		else byClass.set(label, [index]);
	});
	const random = seededStream(seed, 'split');
	const train: number[] = [];
	const val: number[] = [];
	const test: number[] = [];
	// Classes in ascending order so the draw does not depend on which label appears first.
	for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
		const rows = shuffleInPlace(byClass.get(label) ?? [], random);
		const nTrain = Math.round(rows.length * SPLIT_FRACTIONS.train);
		const nVal = Math.round(rows.length * SPLIT_FRACTIONS.val);
		train.push(...rows.slice(0, nTrain));
		val.push(...rows.slice(nTrain, nTrain + nVal));
		test.push(...rows.slice(nTrain + nVal));
	}
	const ascending = (a: number, b: number) => a - b;
	train.sort(ascending);
	val.sort(ascending);
	test.sort(ascending);
	return {
		train,
		val,
		test,
		digests: { train: indexListDigest(train), val: indexListDigest(val), test: indexListDigest(test) }
	};
}
