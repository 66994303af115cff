/**
 * The training loop: split, standardise (fitted on train), then mini-batch SGD
 * for `epochs` passes, reporting train and val metrics after each epoch and
 * test metrics once at the end. Synchronous and deterministic given
 * config.seed: the same config and data give bit-identical numbers in the
 * same JS engine.
 */
import { evaluate } from './evaluate';
import { createMlp } from './mlp';
import type { Model } from './model';
import { seededStream, shuffleInPlace } from './prng';
import { createSgd } from './sgd';
import { createSoftmaxRegression } from './softmax-regression';
import { stratifiedSplit } from './split';
import { applyStandardizer, fitStandardizer } from './standardize';
import type { Dataset, EpochMetrics, TrainConfig, TrainResult } from './types';
import { DatasetError, validateDataset, validateTrainConfig } from './validate';

export function createModel(config: TrainConfig, inputSize: number, classCount: number): Model {
	return config.model === 'softmax'
		? createSoftmaxRegression(inputSize, classCount)
		: createMlp(inputSize, config.hidden, classCount, config.activation, seededStream(config.seed, 'init'));
}

/** Runs the whole training synchronously, calling `onEpoch` after each epoch. */
export function trainModel(config: TrainConfig, data: Dataset, onEpoch?: (metrics: EpochMetrics) => void): TrainResult {
	const epochs = trainEpochs(config, data);
	for (;;) {
		const next = epochs.next();
		if (next.done) return next.value;
		onEpoch?.(next.value);
	}
}

/**
 * The same training as a generator: yields each epoch's metrics and returns
 * the final result, so an async caller can pause between epochs (trainer.ts).
 * Config and data are validated on the first `next()`.
 */
export function* trainEpochs(config: TrainConfig, data: Dataset): Generator<EpochMetrics, TrainResult, void> {
	const cfg = validateTrainConfig(config);
	const { features, labels, classNames } = validateDataset(data);
	const split = stratifiedSplit(labels, cfg.seed);
	for (const name of ['train', 'val', 'test'] as const)
		if (split[name].length === 0) throw new DatasetError(`the ${name} split is empty; each class needs at least 3 rows`);

	const x = applyStandardizer(features, fitStandardizer(features, split.train));
	const inputSize = features[0]?.length ?? 0;
	const model = createModel(cfg, inputSize, classNames.length);
	const optimizer = createSgd(model.params, cfg);
	const grads = model.params.map((p) => new Float64Array(p.values.length));
	const order = [...split.train];
	const shuffle = seededStream(cfg.seed, 'shuffle');

	for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
		shuffleInPlace(order, shuffle);
		for (let start = 0; start < order.length; start += cfg.batchSize) {
			const batch = order.slice(start, start + cfg.batchSize);
			for (const g of grads) g.fill(0);
			for (const r of batch) model.accumulateGradient(x, r * inputSize, labels[r]!, grads);
			const scale = 1 / batch.length;
			for (const g of grads) for (let i = 0; i < g.length; i++) g[i]! *= scale;
			optimizer.step(grads);
		}
		yield { epoch, train: evaluate(model, x, labels, split.train), val: evaluate(model, x, labels, split.val) };
	}

	return {
		epochs: cfg.epochs,
		train: evaluate(model, x, labels, split.train),
		val: evaluate(model, x, labels, split.val),
		test: evaluate(model, x, labels, split.test),
		splitIds: split.digests
	};
}
