/**
 * Types of the in-browser training used by the demo. Plain data only: configs,
 * metrics and results cross a worker boundary by structured clone.
 */

/** A labelled table: one row of numeric features per sample, labels 0..classNames.length-1. */
export interface Dataset {
	features: number[][];
	labels: number[];
	classNames: string[];
}

export type Activation = 'tanh' | 'relu';

interface CommonConfig {
	/** Step size of SGD. */
	lr: number;
	/** Passes over the training split. */
	epochs: number;
	/** Samples per gradient step; the last batch of an epoch may be smaller. */
	batchSize: number;
	/** Heavy-ball momentum in [0, 1); 0 is plain SGD. */
	momentum: number;
	/** L2 penalty (weight decay) on weights, not biases; 0 for none. */
	l2: number;
	/** Unsigned 32-bit seed for the split, the initial weights and the batch order. */
	seed: number;
}

/** Multinomial logistic regression: logits = W·x + b. */
export interface SoftmaxConfig extends CommonConfig {
	model: 'softmax';
}

/** One hidden layer: logits = W2·act(W1·x + b1) + b2. */
export interface MlpConfig extends CommonConfig {
	model: 'mlp';
	hidden: number;
	activation: Activation;
}

export type TrainConfig = SoftmaxConfig | MlpConfig;
export type ModelKind = TrainConfig['model'];

/** Mean cross-entropy (natural log, no L2 term) and accuracy in [0, 1]. */
export interface SplitMetrics {
	loss: number;
	acc: number;
}

/** Reported after every epoch (1-based), measured with the weights at the end of that epoch. */
export interface EpochMetrics {
	epoch: number;
	train: SplitMetrics;
	val: SplitMetrics;
}

export type SplitName = 'train' | 'val' | 'test';

/** Row indices of each split, ascending, and their digests (see digest.ts). */
export interface DataSplit {
	train: number[];
	val: number[];
	test: number[];
	digests: Record<SplitName, string>;
}

export interface TrainResult {
	/** Epochs run (= config.epochs). */
	epochs: number;
	/** Metrics of the final weights. */
	train: SplitMetrics;
	val: SplitMetrics;
	test: SplitMetrics;
	/** Digests of the split rows, to record in the run's data reference. */
	splitIds: Record<SplitName, string>;
}
