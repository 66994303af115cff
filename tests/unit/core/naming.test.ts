import { describe, expect, it } from 'vitest';
import { DEFAULT_NAMING_TEMPLATE, fillTemplate, validateTemplate } from '$lib/core/naming';
import { InvalidTemplateError } from '$lib/core/errors';

const now = new Date(2026, 10, 26, 9, 5, 7);

describe('fillTemplate', () => {
	it('fills the default template from project, params and local time', () => {
		expect(fillTemplate(DEFAULT_NAMING_TEMPLATE, { project: 'churn', params: { model: 'xgb' }, now })).toBe('churn-xgb-20261126-090507');
	});
	it('drops a missing placeholder with one separator', () => {
		expect(fillTemplate(DEFAULT_NAMING_TEMPLATE, { project: 'churn', params: {}, now })).toBe('churn-20261126-090507');
		expect(fillTemplate('{model}-{project}', { project: 'p', params: {}, now })).toBe('p');
	});
	it('makes param values name-safe', () => {
		expect(fillTemplate('{project}_{params.arch}', { project: 'p', params: { arch: 'res net/50' }, now })).toBe('p_res_net_50');
	});
	it('falls back to the project when everything is missing', () => {
		expect(fillTemplate('{model}', { project: 'p', params: {}, now })).toBe('p');
	});
	it('rejects broken templates', () => {
		expect(() => validateTemplate('{project')).toThrow(InvalidTemplateError);
		expect(() => validateTemplate('a{}b')).toThrow(/empty/);
		expect(() => validateTemplate('  ')).toThrow(/empty/);
	});
});
