/** Multinomial logistic regression: logits = W·x + b, W is classCount × inputSize, row-major. */
import type { Model, ParamTensor } from './model';
import { softmaxCrossEntropyInPlace } from './softmax';

export function createSoftmaxRegression(inputSize: number, classCount: number): Model {
	// Zero start: the loss is convex, so any start reaches the same optimum and
	// zeros give the uninformed loss ln(classCount) at epoch 0.
	const W = new Float64Array(classCount * inputSize);
	const b = new Float64Array(classCount);
	const params: ParamTensor[] = [
		{ name: 'W', values: W, decay: true },
		{ name: 'b', values: b, decay: false }
	];
	const z = new Float64Array(classCount);

	function logits(x: Float64Array, offset: number, out: Float64Array): void {
		for (let k = 0; k < classCount; k++) {
			let s = b[k]!;
			const row = k * inputSize;
			for (let j = 0; j < inputSize; j++) s += W[row + j]! * x[offset + j]!;
			out[k] = s;
		}
	}

	function accumulateGradient(x: Float64Array, offset: number, label: number, grads: readonly Float64Array[]): number {
		const [gW, gb] = grads as [Float64Array, Float64Array];
		logits(x, offset, z);
		const loss = softmaxCrossEntropyInPlace(z, classCount, label);
		for (let k = 0; k < classCount; k++) {
			// d loss / d logit_k = p_k − [k = label]
			const dz = z[k]! - (k === label ? 1 : 0);
			gb[k]! += dz;
			const row = k * inputSize;
			for (let j = 0; j < inputSize; j++) gW[row + j]! += dz * x[offset + j]!;
		}
		return loss;
	}

	return { inputSize, classCount, params, logits, accumulateGradient };
}
