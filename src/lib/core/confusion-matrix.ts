/**
 * Confusion matrices logged as JSON `{ "labels": [...], "matrix": [[...], ...] }`:
 * row i = true label i, column j = predicted label j, each cell a count (or a
 * weight: any finite number ≥ 0). Validated here before a preview draws it.
 */
import { InvalidFieldError } from './errors';

export interface ConfusionMatrix {
	labels: string[];
	matrix: number[][];
}

/** Above this many labels a heatmap table stops being readable (and costs n² cells). */
export const MAX_CONFUSION_LABELS = 200;

/** True when `value` has the shape of a confusion matrix (labels + matrix keys), valid or not. */
export function looksLikeConfusionMatrix(value: unknown): boolean {
	return typeof value === 'object' && value !== null && !Array.isArray(value) && 'labels' in value && 'matrix' in value;
}

/** Checks a parsed JSON value; throws InvalidFieldError saying what is wrong. */
export function validateConfusionMatrix(value: unknown): ConfusionMatrix {
	if (!looksLikeConfusionMatrix(value)) throw new InvalidFieldError('confusion matrix', 'expected an object { labels: string[], matrix: number[][] }');
	const { labels, matrix } = value as { labels: unknown; matrix: unknown };
	if (!Array.isArray(labels) || labels.length === 0 || !labels.every((l) => typeof l === 'string'))
		throw new InvalidFieldError('confusion matrix labels', 'expected a non-empty array of strings');
	if (labels.length > MAX_CONFUSION_LABELS)
		throw new InvalidFieldError('confusion matrix labels', `${labels.length} labels; previews draw at most ${MAX_CONFUSION_LABELS}`);
	if (new Set(labels).size !== labels.length) throw new InvalidFieldError('confusion matrix labels', 'labels must be distinct');
	const n = labels.length;
	if (!Array.isArray(matrix) || matrix.length !== n)
		throw new InvalidFieldError('confusion matrix', `expected ${n} rows (one per label), got ${Array.isArray(matrix) ? matrix.length : typeof matrix}`);
	matrix.forEach((row: unknown, i) => {
		if (!Array.isArray(row) || row.length !== n)
			throw new InvalidFieldError(`confusion matrix row ${i}`, `expected ${n} numbers (one per predicted label)`);
		row.forEach((cell: unknown, j) => {
			if (typeof cell !== 'number' || !Number.isFinite(cell) || cell < 0)
				throw new InvalidFieldError(`confusion matrix cell [${i}][${j}]`, `expected a finite number ≥ 0, got ${JSON.stringify(cell)}`);
		});
	});
	return { labels: [...labels] as string[], matrix: (matrix as number[][]).map((row) => [...row]) };
}

export interface ConfusionSummary {
	/** Sum of each true label's row. */
	rowTotals: number[];
	/** Each cell divided by its row total (0 for an empty row). */
	rowShares: number[][];
	total: number;
	/** Diagonal over total; null when the matrix is all zeros. */
	accuracy: number | null;
}

export function summarizeConfusion({ matrix }: ConfusionMatrix): ConfusionSummary {
	const rowTotals = matrix.map((row) => row.reduce((a, b) => a + b, 0));
	const rowShares = matrix.map((row, i) => {
		const total = rowTotals[i] ?? 0;
		return row.map((v) => (total > 0 ? v / total : 0));
	});
	const total = rowTotals.reduce((a, b) => a + b, 0);
	const diagonal = matrix.reduce((sum, row, i) => sum + (row[i] ?? 0), 0);
	return { rowTotals, rowShares, total, accuracy: total > 0 ? diagonal / total : null };
}
