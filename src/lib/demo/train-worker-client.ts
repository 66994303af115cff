/**
 * Starts workers/train.worker.ts and adapts it to the plain TrainWorkerApi:
 * callbacks are wrapped in Comlink.proxy here, so callers (demo-runs.ts) pass
 * ordinary functions and work the same against the in-process trainer.
 *
 * A worker that fails to load or crashes never answers a Comlink call; its
 * `error` event is turned into a rejection of every pending and later call.
 */
import * as Comlink from 'comlink';
import type { TrainWorkerApi } from '$lib/workers/train.worker';

export interface TrainerConnection extends TrainWorkerApi {
	/** Stops the worker; pending calls reject. */
	terminate(): void;
}

export class TrainWorkerError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'TrainWorkerError';
	}
}

export function createTrainWorker(): TrainerConnection {
	const worker = new Worker(new URL('../workers/train.worker.ts', import.meta.url), { type: 'module' });
	const remote = Comlink.wrap<TrainWorkerApi>(worker);
	let rejectBroken: (error: Error) => void = () => {};
	const broken = new Promise<never>((_, reject) => (rejectBroken = reject));
	// Nobody may be awaiting `broken` when it rejects; that is not an unhandled error.
	broken.catch(() => {});
	worker.addEventListener('error', (event) => {
		event.preventDefault();
		rejectBroken(new TrainWorkerError(`The training worker failed: ${event.message || 'it could not be loaded'}`));
	});
	worker.addEventListener('messageerror', () => {
		rejectBroken(new TrainWorkerError('The training worker sent a message that could not be read'));
	});
	let terminated = false;
	return {
		train(config, onEpochs) {
			if (terminated) return Promise.reject(new TrainWorkerError('The training worker was stopped; create a new one'));
			return Promise.race([remote.train(config, Comlink.proxy(onEpochs)), broken]);
		},
		terminate() {
			if (terminated) return;
			terminated = true;
			rejectBroken(new TrainWorkerError('The training worker was stopped'));
			remote[Comlink.releaseProxy]();
			worker.terminate();
		}
	};
}
