import { describe, expect, it } from 'vitest';
import {
	ForbiddenKeyError,
	InvalidKeyError,
	InvalidMetricValueError,
	InvalidParamValueError,
	InvalidStepError,
	ParamConflictError,
	UnknownSplitError,
	ValidationError
} from '$lib/core/errors';
import {
	MAX_KEY_LENGTH,
	validateDataRef,
	validateEnvInput,
	validateKey,
	validateMetrics,
	validateParams,
	validateProjectId,
	validateSplit,
	validateStep,
	validateTags
} from '$lib/core/validate';

describe('validateKey', () => {
	it('accepts ordinary metric names', () => {
		for (const key of ['loss', 'val/acc', 'layer.3.dropout', 'F1 score', 'top-5_acc', 'ü:1']) expect(validateKey(key)).toBe(key);
	});
	it('rejects empty, too long and odd keys with a message that says why', () => {
		expect(() => validateKey('')).toThrow(/empty/);
		expect(() => validateKey('x'.repeat(MAX_KEY_LENGTH + 1))).toThrow(InvalidKeyError);
		expect(() => validateKey(' loss')).toThrow(/leading or trailing/);
		expect(() => validateKey('a@b')).toThrow(/letters, digits/);
		expect(() => validateKey('a\nb')).toThrow(InvalidKeyError);
		expect(() => validateKey(3)).toThrow(/strings/);
	});
	it('rejects prototype-polluting keys', () => {
		for (const key of ['__proto__', 'constructor', 'prototype']) expect(() => validateKey(key)).toThrow(ForbiddenKeyError);
	});
});

describe('validateMetrics', () => {
	it('keeps NaN and ±Infinity: a diverging loss is data', () => {
		expect(validateMetrics({ a: NaN, b: Infinity, c: -Infinity })).toEqual({ a: NaN, b: Infinity, c: -Infinity });
	});
	it('rejects non-numbers', () => {
		for (const bad of ['0.3', true, null, undefined, 1n, [1], { v: 1 }])
			expect(() => validateMetrics({ loss: bad })).toThrow(InvalidMetricValueError);
	});
	it('rejects a __proto__ key coming from parsed JSON', () => {
		expect(() => validateMetrics(JSON.parse('{"__proto__": 1}'))).toThrow(ForbiddenKeyError);
	});
});

describe('steps and splits', () => {
	it('needs finite steps', () => {
		expect(validateStep(3)).toBe(3);
		for (const bad of [NaN, Infinity, -Infinity, '1', null]) expect(() => validateStep(bad)).toThrow(InvalidStepError);
	});
	it('allows custom splits unless strict', () => {
		expect(validateSplit('holdout', false)).toBe('holdout');
		expect(() => validateSplit('holdout', true)).toThrow(UnknownSplitError);
		expect(validateSplit('val', true)).toBe('val');
		expect(() => validateSplit('a b', false)).toThrow(ValidationError);
	});
});

describe('validateParams', () => {
	it('accepts scalars and null', () => {
		expect(validateParams({ lr: 0.1, model: 'mlp', bn: true, note: null })).toEqual({ lr: 0.1, model: 'mlp', bn: true, note: null });
	});
	it('rejects nested values and non-finite numbers, pointing to dotted keys', () => {
		expect(() => validateParams({ opt: { lr: 1 } })).toThrow(/dotted keys/);
		expect(() => validateParams({ lr: NaN })).toThrow(InvalidParamValueError);
	});
	it('is write-once: the same value again is fine, a different one is a conflict', () => {
		expect(validateParams({ lr: 0.1 }, { lr: 0.1 })).toEqual({ lr: 0.1 });
		expect(() => validateParams({ lr: 0.2 }, { lr: 0.1 })).toThrow(ParamConflictError);
	});
	it('rejects __proto__ given as an own key', () => {
		expect(() => validateParams(JSON.parse('{"__proto__": {"polluted": true}}'))).toThrow(ForbiddenKeyError);
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	});
});

describe('tags, project ids, data and env', () => {
	it('dedupes and trims tags', () => {
		expect(validateTags(['a', ' a ', 'b'])).toEqual(['a', 'b']);
		expect(() => validateTags(['a,b'])).toThrow(/commas/);
		expect(() => validateTags('a')).toThrow(/array/);
	});
	it('project ids are slugs', () => {
		expect(validateProjectId('churn-model')).toBe('churn-model');
		for (const bad of ['', 'Churn', '-x', 'a b', 'x'.repeat(64)]) expect(() => validateProjectId(bad)).toThrow(/project id/);
	});
	it('data references need a source and drop undefined fields', () => {
		expect(validateDataRef({ source: 's3://b/k', seed: 1, version: undefined })).toEqual({ source: 's3://b/k', seed: 1 });
		expect(() => validateDataRef({ version: '1' })).toThrow(/data.source/);
		expect(() => validateDataRef({ source: 'x', seed: NaN })).toThrow(/data.seed/);
	});
	it('env input is checked field by field', () => {
		expect(validateEnvInput({ libraries: { torch: '2.4' }, code: { commit: 'abc', dirty: true } })).toEqual({
			libraries: { torch: '2.4' },
			code: { commit: 'abc', dirty: true }
		});
		expect(() => validateEnvInput({ libraries: { torch: 2 } })).toThrow(/env.libraries.torch/);
		expect(() => validateEnvInput({ code: { dirty: 'yes' } })).toThrow(/dirty/);
	});
});

describe('error names', () => {
	it('survive minification because they are set explicitly', () => {
		expect(new ParamConflictError('a', 1, 2).name).toBe('ParamConflictError');
		expect(new ForbiddenKeyError('key', '__proto__')).toBeInstanceOf(ValidationError);
		expect(new InvalidStepError(NaN).code).toBe('invalid_step');
	});
});
