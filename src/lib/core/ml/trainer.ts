/**
 * The trainer behind the demo's worker (workers/train.worker.ts) and its
 * in-process twin (demo/in-process-trainer.ts): one data set, many configs.
 *
 * Epoch metrics are handed over in batches of EPOCHS_PER_BATCH, and each batch
 * callback is awaited before training goes on. Over Comlink the callback is a
 * proxy on its own MessageChannel, so nothing orders its messages against
 * train()'s result; awaiting every batch (the last one included) guarantees the
 * caller has every epoch before the result arrives, and paces the worker to the
 * page instead of flooding it.
 */
import { trainEpochs } from './train';
import type { Dataset, EpochMetrics, TrainConfig, TrainResult } from './types';
import { validateDataset } from './validate';

/** 300 epochs → 30 messages: smooth progress without thousands of tiny posts. */
export const EPOCHS_PER_BATCH = 10;

export type EpochBatchCallback = (batch: EpochMetrics[]) => void | Promise<void>;

export interface Trainer {
	/** Trains one model; `onEpochs` receives every epoch, in order, before the result resolves. */
	train(config: TrainConfig, onEpochs: EpochBatchCallback): Promise<TrainResult>;
}

export function createTrainer(data: Dataset, epochsPerBatch = EPOCHS_PER_BATCH): Trainer {
	validateDataset(data);
	return {
		async train(config, onEpochs) {
			const epochs = trainEpochs(config, data);
			let batch: EpochMetrics[] = [];
			for (;;) {
				const next = epochs.next();
				if (!next.done) batch.push(next.value);
				if (batch.length > 0 && (next.done || batch.length >= epochsPerBatch)) {
					await onEpochs(batch);
					batch = [];
				}
				if (next.done) return next.value;
			}
		}
	};
}
