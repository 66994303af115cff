// Backpropagation is hand-written, so check it against central differences.
import { describe, expect, it } from 'vitest';
import { createMlp } from '$lib/core/ml/mlp';
import type { Model } from '$lib/core/ml/model';
import { mulberry32 } from '$lib/core/ml/prng';
import { createSoftmaxRegression } from '$lib/core/ml/softmax-regression';
import { softmaxCrossEntropyInPlace } from '$lib/core/ml/softmax';

function lossOf(model: Model, x: Float64Array, label: number): number {
	const z = new Float64Array(model.classCount);
	model.logits(x, 0, z);
	return softmaxCrossEntropyInPlace(z, model.classCount, label);
}

function checkGradients(model: Model, seed: number): void {
	const random = mulberry32(seed);
	// Random weights (biases too), so no gradient is trivially zero.
	for (const p of model.params) for (let i = 0; i < p.values.length; i++) p.values[i] = random() * 2 - 1;
	const x = Float64Array.from({ length: model.inputSize }, () => random() * 4 - 2);
	const label = Math.floor(random() * model.classCount);
	const grads = model.params.map((p) => new Float64Array(p.values.length));
	const loss = model.accumulateGradient(x, 0, label, grads);
	expect(loss).toBeCloseTo(lossOf(model, x, label), 12);
	const h = 1e-6;
	model.params.forEach((p, t) => {
		for (let i = 0; i < p.values.length; i++) {
			const w = p.values[i]!;
			p.values[i] = w + h;
			const up = lossOf(model, x, label);
			p.values[i] = w - h;
			const down = lossOf(model, x, label);
			p.values[i] = w;
			const numeric = (up - down) / (2 * h);
			expect(Math.abs(grads[t]![i]! - numeric), `seed ${seed} ${p.name}[${i}]`).toBeLessThan(1e-6);
		}
	});
}

describe('analytic gradients match numeric ones', () => {
	it('softmax regression', () => {
		for (let seed = 1; seed <= 20; seed++) checkGradients(createSoftmaxRegression(4, 3), seed);
	});

	it('MLP with tanh', () => {
		for (let seed = 1; seed <= 20; seed++) checkGradients(createMlp(4, 6, 3, 'tanh', mulberry32(seed)), seed);
	});

	it('MLP with ReLU', () => {
		for (let seed = 1; seed <= 20; seed++) checkGradients(createMlp(4, 6, 3, 'relu', mulberry32(seed)), seed);
	});

	it('accumulates (adds) rather than overwrites', () => {
		const model = createSoftmaxRegression(2, 2);
		const x = new Float64Array([1, 2]);
		const once = model.params.map((p) => new Float64Array(p.values.length));
		const twice = model.params.map((p) => new Float64Array(p.values.length));
		model.accumulateGradient(x, 0, 1, once);
		model.accumulateGradient(x, 0, 1, twice);
		model.accumulateGradient(x, 0, 1, twice);
		expect([...twice[0]!]).toEqual([...once[0]!].map((g) => 2 * g));
	});
});
