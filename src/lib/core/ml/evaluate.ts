/** Mean cross-entropy and accuracy of a model over some rows of a packed feature matrix. */
import type { Model } from './model';
import { argmax, softmaxCrossEntropyInPlace } from './softmax';
import type { SplitMetrics } from './types';

export function evaluate(model: Model, x: Float64Array, labels: readonly number[], rows: readonly number[]): SplitMetrics {
	const z = new Float64Array(model.classCount);
	let loss = 0;
	let correct = 0;
	for (const r of rows) {
		const label = labels[r]!;
		model.logits(x, r * model.inputSize, z);
		if (argmax(z, model.classCount) === label) correct++;
		loss += softmaxCrossEntropyInPlace(z, model.classCount, label);
	}
	const n = Math.max(rows.length, 1);
	return { loss: loss / n, acc: correct / n };
}
