/**
 * Per-feature standardisation (x − mean) / std, fitted on the training rows only
 * so nothing about val or test leaks into training.
 */

export interface Standardizer {
	mean: Float64Array;
	std: Float64Array;
}

/** Below this a feature is treated as constant and only centred (avoids dividing by ~0). */
const MIN_STD = 1e-12;

export function fitStandardizer(features: readonly (readonly number[])[], rows: readonly number[]): Standardizer {
	const width = features[0]?.length ?? 0;
	const mean = new Float64Array(width);
	const std = new Float64Array(width);
	for (const r of rows) {
		const row = features[r] ?? [];
		for (let j = 0; j < width; j++) mean[j]! += row[j] ?? 0;
	}
	for (let j = 0; j < width; j++) mean[j]! /= Math.max(rows.length, 1);
	for (const r of rows) {
		const row = features[r] ?? [];
		for (let j = 0; j < width; j++) std[j]! += ((row[j] ?? 0) - mean[j]!) ** 2;
	}
	for (let j = 0; j < width; j++) {
		const s = Math.sqrt(std[j]! / Math.max(rows.length, 1));
		std[j] = s < MIN_STD ? 1 : s;
	}
	return { mean, std };
}

/** All rows, standardised, packed row-major into one array (row i at i·width). */
export function applyStandardizer(features: readonly (readonly number[])[], { mean, std }: Standardizer): Float64Array {
	const width = mean.length;
	const out = new Float64Array(features.length * width);
	features.forEach((row, i) => {
		for (let j = 0; j < width; j++) out[i * width + j] = ((row[j] ?? 0) - mean[j]!) / std[j]!;
	});
	return out;
}
