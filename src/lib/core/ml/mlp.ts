/**
 * One-hidden-layer perceptron: logits = W2·act(W1·x + b1) + b2, trained by
 * hand-written backpropagation (the net is small enough that autodiff would be
 * all overhead).
 */
import type { Model, ParamTensor } from './model';
import type { Random } from './prng';
import { softmaxCrossEntropyInPlace } from './softmax';
import type { Activation } from './types';

export function createMlp(
	inputSize: number,
	hidden: number,
	classCount: number,
	activation: Activation,
	random: Random
): Model {
	const W1 = new Float64Array(hidden * inputSize);
	const b1 = new Float64Array(hidden);
	const W2 = new Float64Array(classCount * hidden);
	const b2 = new Float64Array(classCount);
	// Glorot-uniform for tanh, He-uniform for ReLU: keeps the activations'
	// variance roughly constant through the layer at the start.
	initUniform(W1, activation === 'relu' ? Math.sqrt(6 / inputSize) : Math.sqrt(6 / (inputSize + hidden)), random);
	initUniform(W2, Math.sqrt(6 / (hidden + classCount)), random);
	const params: ParamTensor[] = [
		{ name: 'W1', values: W1, decay: true },
		{ name: 'b1', values: b1, decay: false },
		{ name: 'W2', values: W2, decay: true },
		{ name: 'b2', values: b2, decay: false }
	];
	const h = new Float64Array(hidden);
	const dh = new Float64Array(hidden);
	const z = new Float64Array(classCount);

	/** Fills `h` with the hidden activations and `out` with the logits. */
	function forward(x: Float64Array, offset: number, out: Float64Array): void {
		for (let i = 0; i < hidden; i++) {
			let s = b1[i]!;
			const row = i * inputSize;
			for (let j = 0; j < inputSize; j++) s += W1[row + j]! * x[offset + j]!;
			h[i] = activation === 'relu' ? Math.max(0, s) : Math.tanh(s);
		}
		for (let k = 0; k < classCount; k++) {
			let s = b2[k]!;
			const row = k * hidden;
			for (let i = 0; i < hidden; i++) s += W2[row + i]! * h[i]!;
			out[k] = s;
		}
	}

	function accumulateGradient(x: Float64Array, offset: number, label: number, grads: readonly Float64Array[]): number {
		const [gW1, gb1, gW2, gb2] = grads as [Float64Array, Float64Array, Float64Array, Float64Array];
		forward(x, offset, z);
		const loss = softmaxCrossEntropyInPlace(z, classCount, label);
		dh.fill(0);
		for (let k = 0; k < classCount; k++) {
			const dz = z[k]! - (k === label ? 1 : 0);
			gb2[k]! += dz;
			const row = k * hidden;
			for (let i = 0; i < hidden; i++) {
				gW2[row + i]! += dz * h[i]!;
				dh[i]! += dz * W2[row + i]!;
			}
		}
		for (let i = 0; i < hidden; i++) {
			// Derivatives from the activation's output: tanh' = 1 − h², ReLU' = [h > 0].
			const hi = h[i]!;
			const da = dh[i]! * (activation === 'relu' ? (hi > 0 ? 1 : 0) : 1 - hi * hi);
			if (da === 0) continue;
			gb1[i]! += da;
			const row = i * inputSize;
			for (let j = 0; j < inputSize; j++) gW1[row + j]! += da * x[offset + j]!;
		}
		return loss;
	}

	return { inputSize, classCount, params, logits: forward, accumulateGradient };
}

function initUniform(values: Float64Array, limit: number, random: Random): void {
	for (let i = 0; i < values.length; i++) values[i] = (random() * 2 - 1) * limit;
}
