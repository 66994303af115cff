import { describe, expect, it } from 'vitest';
import { InvalidFieldError } from '$lib/core/errors';
import { looksLikeConfusionMatrix, MAX_CONFUSION_LABELS, summarizeConfusion, validateConfusionMatrix } from '$lib/core/confusion-matrix';

describe('confusion matrix', () => {
	const good = { labels: ['cat', 'dog'], matrix: [[8, 2], [1, 9]] };

	it('accepts a square matrix of counts and summarizes it by row', () => {
		const cm = validateConfusionMatrix(good);
		expect(cm).toEqual(good);
		const s = summarizeConfusion(cm);
		expect(s.rowTotals).toEqual([10, 10]);
		expect(s.rowShares).toEqual([[0.8, 0.2], [0.1, 0.9]]);
		expect(s.total).toBe(20);
		expect(s.accuracy).toBeCloseTo(0.85);
		expect(summarizeConfusion({ labels: ['a'], matrix: [[0]] })).toMatchObject({ rowShares: [[0]], accuracy: null });
	});

	it('rejects malformed input with a named error saying what is wrong', () => {
		const bad: [unknown, RegExp][] = [
			[null, /expected an object/],
			[{ labels: [], matrix: [] }, /non-empty array of strings/],
			[{ labels: ['a', 1], matrix: [[1, 1], [1, 1]] }, /array of strings/],
			[{ labels: ['a', 'a'], matrix: [[1, 1], [1, 1]] }, /distinct/],
			[{ labels: ['a', 'b'], matrix: [[1, 1]] }, /expected 2 rows/],
			[{ labels: ['a', 'b'], matrix: [[1, 1], [1]] }, /row 1: expected 2 numbers/],
			[{ labels: ['a', 'b'], matrix: [[1, -1], [1, 1]] }, /cell \[0\]\[1\]/],
			[{ labels: ['a', 'b'], matrix: [[1, '2'], [1, 1]] }, /cell \[0\]\[1\]/],
			[{ labels: Array.from({ length: MAX_CONFUSION_LABELS + 1 }, (_, i) => `l${i}`), matrix: [] }, /at most/]
		];
		for (const [value, message] of bad) {
			expect(() => validateConfusionMatrix(value)).toThrow(InvalidFieldError);
			expect(() => validateConfusionMatrix(value)).toThrow(message);
		}
		expect(looksLikeConfusionMatrix({ labels: 1, matrix: 2 })).toBe(true);
		expect(looksLikeConfusionMatrix({ labels: [] })).toBe(false);
	});
});
