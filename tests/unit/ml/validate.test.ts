import { describe, expect, it } from 'vitest';
import { ValidationError } from '$lib/core/errors';
import { trainModel } from '$lib/core/ml/train';
import { DatasetError, TrainConfigError, validateDataset, validateTrainConfig } from '$lib/core/ml/validate';
import { iris } from './iris';

const OK = { model: 'softmax', lr: 0.1, epochs: 3, batchSize: 8, momentum: 0, l2: 0, seed: 1 };

describe('validateTrainConfig', () => {
	it('accepts and copies a valid config, dropping unknown fields', () => {
		expect(validateTrainConfig({ ...OK, extra: 1 })).toEqual(OK);
		const mlp = { ...OK, model: 'mlp', hidden: 4, activation: 'relu' };
		expect(validateTrainConfig(mlp)).toEqual(mlp);
	});

	it.each([
		['lr', { ...OK, lr: 0 }],
		['lr', { ...OK, lr: Number.NaN }],
		['epochs', { ...OK, epochs: 1.5 }],
		['epochs', { ...OK, epochs: 0 }],
		['batchSize', { ...OK, batchSize: 0 }],
		['momentum', { ...OK, momentum: 1 }],
		['l2', { ...OK, l2: -1 }],
		['seed', { ...OK, seed: -1 }],
		['seed', { ...OK, seed: 2 ** 32 }],
		['model', { ...OK, model: 'svm' }],
		['hidden', { ...OK, model: 'mlp', activation: 'tanh' }],
		['activation', { ...OK, model: 'mlp', hidden: 4, activation: 'sigmoid' }]
	])('rejects a bad %s with a named error that says which field', (field, config) => {
		expect(() => validateTrainConfig(config)).toThrowError(TrainConfigError);
		expect(() => validateTrainConfig(config)).toThrowError(new RegExp(`${field} is`));
	});

	it('is a ValidationError with a stable code', () => {
		try {
			validateTrainConfig(null);
			expect.unreachable();
		} catch (error) {
			expect(error).toBeInstanceOf(ValidationError);
			expect((error as TrainConfigError).code).toBe('invalid_train_config');
			expect((error as Error).name).toBe('TrainConfigError');
		}
	});
});

describe('validateDataset', () => {
	it('accepts Iris', () => {
		expect(() => validateDataset(iris())).not.toThrow();
	});

	it.each([
		['ragged rows', { features: [[1, 2], [3]], labels: [0, 1], classNames: ['a', 'b'] }, /row 1/],
		['NaN feature', { features: [[1], [Number.NaN]], labels: [0, 1], classNames: ['a', 'b'] }, /finite/],
		['label out of range', { features: [[1], [2]], labels: [0, 2], classNames: ['a', 'b'] }, /label 2/],
		['length mismatch', { features: [[1], [2]], labels: [0], classNames: ['a', 'b'] }, /2 feature rows but 1 labels/]
	])('rejects %s', (_, data, message) => {
		expect(() => validateDataset(data)).toThrowError(DatasetError);
		expect(() => validateDataset(data)).toThrowError(message);
	});

	it('trainModel refuses data too small to split', () => {
		const data = { features: [[1], [2], [3], [4]], labels: [0, 0, 1, 1], classNames: ['a', 'b'] };
		expect(() => trainModel(validateTrainConfig(OK), data)).toThrowError(/split is empty/);
	});
});
