import { describe, expect, it } from 'vitest';
import { createTrainer, EPOCHS_PER_BATCH } from '$lib/core/ml/trainer';
import { trainModel } from '$lib/core/ml/train';
import type { EpochMetrics, TrainConfig } from '$lib/core/ml/types';
import { createInProcessTrainer } from '$lib/demo/in-process-trainer';
import { iris } from './iris';

const CONFIG: TrainConfig = { model: 'softmax', lr: 0.1, epochs: 25, batchSize: 16, momentum: 0, l2: 0, seed: 3 };

describe('createTrainer', () => {
	it('delivers every epoch in order, in batches, before the result', async () => {
		const batches: number[][] = [];
		const result = await createTrainer(iris()).train(CONFIG, (batch) => {
			batches.push(batch.map((m) => m.epoch));
		});
		expect(batches.map((b) => b.length)).toEqual([EPOCHS_PER_BATCH, EPOCHS_PER_BATCH, 25 - 2 * EPOCHS_PER_BATCH]);
		expect(batches.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
		expect(result).toEqual(trainModel(CONFIG, iris()));
	});

	it('waits for an async callback before training on (back-pressure, ordering)', async () => {
		const events: string[] = [];
		const done = createTrainer(iris(), 5)
			.train(CONFIG, async (batch) => {
				events.push(`start ${batch[0]!.epoch}`);
				await new Promise((resolve) => setTimeout(resolve, 1));
				events.push(`end ${batch[0]!.epoch}`);
			})
			.then(() => events.push('result'));
		await done;
		expect(events).toEqual([
			'start 1', 'end 1', 'start 6', 'end 6', 'start 11', 'end 11', 'start 16', 'end 16', 'start 21', 'end 21', 'result'
		]);
	});

	it('rejects a bad config and a failing callback', async () => {
		const trainer = createTrainer(iris());
		await expect(trainer.train({ ...CONFIG, lr: -1 }, () => {})).rejects.toThrowError(/lr is -1/);
		await expect(
			trainer.train(CONFIG, () => {
				throw new Error('store full');
			})
		).rejects.toThrowError('store full');
	});

	it('the in-process trainer gives the same numbers as trainModel on Iris', async () => {
		const epochs: EpochMetrics[] = [];
		const result = await createInProcessTrainer().train(CONFIG, (batch) => void epochs.push(...batch));
		const expected: EpochMetrics[] = [];
		expect(result).toEqual(trainModel(CONFIG, iris(), (m) => expected.push(m)));
		expect(epochs).toEqual(expected);
	});
});
