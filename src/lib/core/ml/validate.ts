/**
 * Checks for what enters training from outside (a config posted to the worker,
 * a data set handed in by a caller). Errors say which field is wrong and why.
 */
import { describe, ValidationError } from '../errors';
import type { Activation, Dataset, TrainConfig } from './types';

export class TrainConfigError extends ValidationError {
	override readonly name: string = 'TrainConfigError';
	constructor(field: string, value: unknown, why: string) {
		super('invalid_train_config', `Invalid training config: ${field} is ${describe(value)}; ${why}.`);
	}
}

export class DatasetError extends ValidationError {
	override readonly name: string = 'DatasetError';
	constructor(why: string) {
		super('invalid_dataset', `Invalid data set: ${why}.`);
	}
}

/** Far beyond what the demo needs; stops a typo from freezing a worker for minutes. */
export const MAX_EPOCHS = 100_000;
export const MAX_HIDDEN = 4096;

function number(config: Record<string, unknown>, field: string, ok: (v: number) => boolean, why: string): number {
	const value = config[field];
	if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) throw new TrainConfigError(field, value, why);
	return value;
}

/** Returns a clean copy of a valid config; throws TrainConfigError otherwise. */
export function validateTrainConfig(input: unknown): TrainConfig {
	if (typeof input !== 'object' || input === null || Array.isArray(input))
		throw new TrainConfigError('config', input, 'pass an object such as { model: "softmax", lr: 0.1, ... }');
	const c = input as Record<string, unknown>;
	const common = {
		lr: number(c, 'lr', (v) => v > 0, 'use a positive step size such as 0.1'),
		epochs: number(c, 'epochs', (v) => Number.isInteger(v) && v >= 1 && v <= MAX_EPOCHS, `use a whole number from 1 to ${MAX_EPOCHS}`),
		batchSize: number(c, 'batchSize', (v) => Number.isInteger(v) && v >= 1, 'use a whole number of samples, at least 1'),
		momentum: number(c, 'momentum', (v) => v >= 0 && v < 1, 'use a value in [0, 1); 0 means plain SGD'),
		l2: number(c, 'l2', (v) => v >= 0, 'use 0 (no penalty) or a small positive value such as 1e-4'),
		seed: number(c, 'seed', (v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff, 'use a whole number from 0 to 2^32 − 1')
	};
	if (c.model === 'softmax') return { model: 'softmax', ...common };
	if (c.model === 'mlp') {
		const hidden = number(c, 'hidden', (v) => Number.isInteger(v) && v >= 1 && v <= MAX_HIDDEN, `use a whole number of units from 1 to ${MAX_HIDDEN}`);
		const activation = c.activation;
		if (activation !== 'tanh' && activation !== 'relu')
			throw new TrainConfigError('activation', activation, 'use "tanh" or "relu"');
		return { model: 'mlp', hidden, activation: activation satisfies Activation, ...common };
	}
	throw new TrainConfigError('model', c.model, 'use "softmax" or "mlp"');
}

/** Rectangular finite features, integer labels that index classNames, one label per row. */
export function validateDataset(data: Dataset): Dataset {
	const { features, labels, classNames } = data;
	if (!Array.isArray(features) || features.length === 0) throw new DatasetError('features must be a non-empty array of rows');
	if (!Array.isArray(labels) || labels.length !== features.length)
		throw new DatasetError(`there are ${features.length} feature rows but ${Array.isArray(labels) ? labels.length : 'no'} labels`);
	if (!Array.isArray(classNames) || classNames.length < 2) throw new DatasetError('name at least two classes');
	const width = features[0]?.length ?? 0;
	if (width === 0) throw new DatasetError('rows need at least one feature');
	features.forEach((row, i) => {
		if (!Array.isArray(row) || row.length !== width) throw new DatasetError(`row ${i} does not have ${width} features like row 0`);
		if (!row.every((v) => typeof v === 'number' && Number.isFinite(v)))
			throw new DatasetError(`row ${i} has a value that is not a finite number`);
	});
	labels.forEach((label, i) => {
		if (!Number.isInteger(label) || label < 0 || label >= classNames.length)
			throw new DatasetError(`label ${describe(label)} of row ${i} is not a class index from 0 to ${classNames.length - 1}`);
	});
	return data;
}
