import { describe, expect, it } from 'vitest';
import { trainModel } from '$lib/core/ml/train';
import type { EpochMetrics, TrainConfig } from '$lib/core/ml/types';
import { iris } from './iris';

const SOFTMAX: TrainConfig = { model: 'softmax', lr: 0.1, epochs: 100, batchSize: 16, momentum: 0, l2: 0, seed: 7 };
const MLP: TrainConfig = {
	model: 'mlp',
	hidden: 8,
	activation: 'tanh',
	lr: 0.02,
	epochs: 100,
	batchSize: 16,
	momentum: 0.9,
	l2: 1e-4,
	seed: 7
};

function train(config: TrainConfig) {
	const epochs: EpochMetrics[] = [];
	const result = trainModel(config, iris(), (m) => epochs.push(m));
	return { epochs, result };
}

describe('trainModel on Iris', () => {
	it('softmax regression learns: val accuracy ≥ 0.85 and falling losses', () => {
		const { epochs, result } = train(SOFTMAX);
		expect(epochs.map((m) => m.epoch)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
		const first = epochs[0]!;
		const last = epochs.at(-1)!;
		expect(first.train.loss).toBeLessThan(Math.log(3)); // one epoch already beats guessing
		expect(last.train.loss).toBeLessThan(first.train.loss * 0.5);
		expect(last.val.loss).toBeLessThan(first.val.loss);
		expect(result.val.acc).toBeGreaterThanOrEqual(0.85);
		expect(result.test.acc).toBeGreaterThanOrEqual(0.85);
		// The returned train/val metrics are the last epoch's.
		expect(result.train).toEqual(last.train);
		expect(result.val).toEqual(last.val);
		expect(result.epochs).toBe(100);
	});

	it('the MLP learns too', () => {
		const { epochs, result } = train(MLP);
		expect(epochs.at(-1)!.train.loss).toBeLessThan(epochs[0]!.train.loss * 0.5);
		expect(result.train.acc).toBeGreaterThanOrEqual(0.95);
		expect(result.val.acc).toBeGreaterThanOrEqual(0.85);
		expect(result.test.acc).toBeGreaterThanOrEqual(0.85);
	});

	it('the ReLU MLP learns too', () => {
		const { result } = train({ ...MLP, activation: 'relu', hidden: 16 });
		expect(result.val.acc).toBeGreaterThanOrEqual(0.85);
	});

	it('reports metrics in range with finite losses', () => {
		for (const m of train(MLP).epochs)
			for (const s of [m.train, m.val]) {
				expect(Number.isFinite(s.loss) && s.loss >= 0).toBe(true);
				expect(s.acc >= 0 && s.acc <= 1).toBe(true);
			}
	});

	it('is deterministic: same seed, identical epochs and result', () => {
		for (const config of [SOFTMAX, MLP]) {
			const a = train(config);
			const b = train(config);
			expect(b.epochs).toEqual(a.epochs);
			expect(b.result).toEqual(a.result);
		}
	});

	it('a different seed changes the split and the numbers', () => {
		const a = train(MLP).result;
		const b = train({ ...MLP, seed: 8 }).result;
		expect(b.splitIds.train).not.toBe(a.splitIds.train);
		expect(b.train.loss).not.toBe(a.train.loss);
	});

	it('the number of epochs changes neither the split nor the early epochs', () => {
		const long = train(MLP);
		const short = train({ ...MLP, epochs: 10 });
		expect(short.result.splitIds).toEqual(long.result.splitIds);
		expect(short.epochs).toEqual(long.epochs.slice(0, 10));
	});

	it('diverges visibly, not silently, with an absurd step size', () => {
		const { result } = train({ ...SOFTMAX, lr: 1e6, epochs: 5 });
		// Logged as data (a diverging loss is a finding), never thrown.
		expect(result.train.loss).toBeGreaterThan(1);
	});
});
