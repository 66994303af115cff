/**
 * The demo's hyper-parameter settings. Pure data, kept apart from demo-runs.ts
 * so tests can train them without the SDK. Every setting shares DEMO_SEED, so
 * all runs see the same split and differ only in their hyper-parameters.
 */
import type { TrainConfig } from '$lib/core/ml/types';

export const DEMO_PROJECT = 'iris-demo';
export const DEMO_SEED = 42;
/** Must match the exact version pinned in package.json (no range there, on purpose). */
export const IRIS_PACKAGE_VERSION = '1.2.1';
/** Bump when the settings or the training code change what a demo run means. */
export const DEMO_VERSION = '1';

export interface DemoSetting {
	/** Run name; short, distinct within the demo. */
	name: string;
	config: TrainConfig;
	/** One sentence for the run's note: what this setting shows. */
	intent: string;
}

/**
 * Three comparisons in five runs: step size (runs 1–2), linear vs non-linear
 * (2–3), and over-fitting vs L2 (4–5: the same network, with and without weight
 * decay; without it the val loss turns upwards while the train loss keeps falling).
 * Together about 1,000 epochs; well under a second of compute.
 */
export const DEMO_SETTINGS: readonly DemoSetting[] = [
	{
		name: 'softmax-lr0.05',
		config: { model: 'softmax', lr: 0.05, epochs: 200, batchSize: 16, momentum: 0, l2: 0, seed: DEMO_SEED },
		intent: 'A cautious baseline: a linear model with a small step size and plain SGD. Its loss falls steadily but slowly.'
	},
	{
		name: 'softmax-lr0.5',
		config: { model: 'softmax', lr: 0.5, epochs: 200, batchSize: 16, momentum: 0, l2: 0, seed: DEMO_SEED },
		intent: 'The same linear model with a 10× step size: compare how much sooner its loss levels off.'
	},
	{
		name: 'mlp-h8-tanh',
		config: {
			model: 'mlp', hidden: 8, activation: 'tanh', lr: 0.01, epochs: 200, batchSize: 16, momentum: 0.9, l2: 0, seed: DEMO_SEED
		},
		intent: 'A small non-linear model (8 tanh units, SGD with momentum) that can bend the versicolor/virginica boundary.'
	},
	{
		name: 'mlp-h16-relu',
		config: {
			model: 'mlp', hidden: 16, activation: 'relu', lr: 0.1, epochs: 300, batchSize: 16, momentum: 0.9, l2: 0, seed: DEMO_SEED
		},
		intent: 'A wider ReLU network with a large step and no regularisation: it over-fits. The train loss heads to zero while the val loss turns upwards.'
	},
	{
		name: 'mlp-h16-relu-l2',
		config: {
			model: 'mlp', hidden: 16, activation: 'relu', lr: 0.05, epochs: 300, batchSize: 16, momentum: 0.9, l2: 0.01, seed: DEMO_SEED
		},
		intent: 'The same network held in check by L2 weight decay (0.01): the train and val losses stay close together.'
	}
];
