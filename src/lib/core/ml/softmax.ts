/**
 * Softmax and cross-entropy computed from logits through log-sum-exp, so large
 * logits neither overflow exp() nor turn a confident wrong answer into log(0).
 */

/**
 * Replaces `logits` (the first `count` entries) by the class probabilities and
 * returns the cross-entropy −log p[label].
 */
export function softmaxCrossEntropyInPlace(logits: Float64Array, count: number, label: number): number {
	let max = -Infinity;
	for (let k = 0; k < count; k++) max = Math.max(max, logits[k]!);
	let sum = 0;
	for (let k = 0; k < count; k++) sum += Math.exp(logits[k]! - max);
	const logSumExp = max + Math.log(sum);
	const loss = logSumExp - logits[label]!;
	for (let k = 0; k < count; k++) logits[k] = Math.exp(logits[k]! - logSumExp);
	return loss;
}

/** Index of the largest entry; ties (and NaN) go to the lowest index. */
export function argmax(values: Float64Array, count: number): number {
	let best = 0;
	for (let k = 1; k < count; k++) if (values[k]! > values[best]!) best = k;
	return best;
}
