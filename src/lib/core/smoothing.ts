/**
 * Exponential moving average with debiasing, as TensorBoard's scalar dashboard does
 * it (tensorboard/webapp/widgets/line_chart_v2/lib/data_transformer.ts): the average
 * starts at 0 and is divided by 1 − weight^n, so the first points are not dragged
 * towards zero.
 *
 * Non-finite values (NaN, ±Infinity) are data, not noise: they stay as they are at
 * their position and are left out of the average, so one NaN does not turn the rest
 * of the smoothed line into NaN.
 */
import { InvalidFieldError } from './errors';

/** Largest weight the UI offers; 1 would freeze the line at its first value. */
export const MAX_SMOOTHING_WEIGHT = 0.99;

/** Below this, 1 − weight^n === 1 in float64 (half an ulp of 1 is 1.1e-16). */
const DEBIAS_DONE = 1e-17;

/** Smoothed copy of `values`; weight 0 returns an unchanged copy. */
export function emaSmooth(values: Float64Array, weight: number): Float64Array {
	if (!(weight >= 0 && weight < 1)) {
		throw new InvalidFieldError('smoothing weight', `it must be a number in [0, 1), got ${String(weight)}`);
	}
	const n = values.length;
	const out = new Float64Array(n);
	if (weight === 0 || isConstant(values)) {
		// A constant series is returned as is: the running average would add
		// floating-point wobble (TensorBoard does the same).
		out.set(values);
		return out;
	}
	const keep = 1 - weight;
	let average = 0;
	// weight^count, kept as a running product instead of Math.pow per point.
	let weightPow = 1;
	for (let i = 0; i < n; i++) {
		const v = values[i]!;
		if (v - v !== 0) {
			out[i] = v; // NaN or ±Infinity: passes through, does not touch the average
			continue;
		}
		average = average * weight + keep * v;
		if (weightPow !== 0) {
			weightPow *= weight;
			// Once 1 − weight^n rounds to 1 the debiasing is over; stop before weightPow
			// turns subnormal (subnormal multiplies are ~50× slower on x86).
			if (weightPow < DEBIAS_DONE) weightPow = 0;
		}
		out[i] = average / (1 - weightPow);
	}
	return out;
}

/** True when every finite value is the same (non-finite values are ignored). */
function isConstant(values: Float64Array): boolean {
	let first: number | null = null;
	for (let i = 0; i < values.length; i++) {
		const v = values[i]!;
		if (v - v !== 0) continue;
		if (first === null) first = v;
		else if (v !== first) return false;
	}
	return true;
}
