/**
 * Run naming templates. A template is text with `{placeholders}`:
 * - `{project}`: the project id;
 * - a date pattern built from yyyy MM dd HH mm ss and separators, e.g. `{yyyyMMdd-HHmmss}` (local time);
 * - `{param}` or `{params.param}`: a param value; `{tag}` isn't a thing — tags are a set.
 * A placeholder with no value is dropped together with one adjacent separator,
 * so `{project}-{model}-{yyyyMMdd}` without a `model` param gives `proj-20260101`.
 */
import { InvalidTemplateError } from './errors';
import type { Params } from './types';

export const DEFAULT_NAMING_TEMPLATE = '{project}-{model}-{yyyyMMdd-HHmmss}';

const PLACEHOLDER = /\{([^{}]*)\}/g;
const DATE_PATTERN = /^(?:yyyy|MM|dd|HH|mm|ss|[-_.:T ])+$/;
const SEPARATORS = '-_. ';

export interface NamingContext {
	project: string;
	params: Params;
	/** Injected for determinism in tests. */
	now: Date;
}

export function validateTemplate(template: string): string {
	if (template.trim() === '') throw new InvalidTemplateError(template, 'it is empty');
	if (/[{}]/.test(template.replace(PLACEHOLDER, ''))) throw new InvalidTemplateError(template, 'a brace is not closed');
	for (const [, name] of template.matchAll(PLACEHOLDER)) {
		if (!name || name.trim() === '') throw new InvalidTemplateError(template, 'a placeholder is empty');
	}
	return template;
}

function pad(n: number, width = 2): string {
	return String(n).padStart(width, '0');
}

export function formatDate(pattern: string, date: Date): string {
	return pattern.replace(/yyyy|MM|dd|HH|mm|ss/g, (token) => {
		switch (token) {
			case 'yyyy': return pad(date.getFullYear(), 4);
			case 'MM': return pad(date.getMonth() + 1);
			case 'dd': return pad(date.getDate());
			case 'HH': return pad(date.getHours());
			case 'mm': return pad(date.getMinutes());
			default: return pad(date.getSeconds());
		}
	});
}

/** Param values become name-safe: anything but letters, digits, `.`, `_` and `-` turns into `_`. */
function slug(value: string): string {
	return value.replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(0, 60);
}

function resolve(name: string, ctx: NamingContext): string | null {
	if (name === 'project') return ctx.project;
	if (DATE_PATTERN.test(name) && /yyyy|MM|dd|HH|mm|ss/.test(name)) return formatDate(name, ctx.now);
	const key = name.startsWith('params.') ? name.slice('params.'.length) : name;
	if (!Object.prototype.hasOwnProperty.call(ctx.params, key)) return null;
	const value = ctx.params[key];
	return value === null || value === undefined ? null : slug(String(value));
}

export function fillTemplate(template: string, ctx: NamingContext): string {
	validateTemplate(template);
	let out = '';
	let last = 0;
	let droppedPending = false;
	for (const match of template.matchAll(PLACEHOLDER)) {
		const literal = template.slice(last, match.index);
		last = match.index + match[0].length;
		const value = resolve(match[1] ?? '', ctx);
		if (value === null || value === '') {
			// Drop this placeholder and the separator that precedes it (or follows, at the start).
			out += SEPARATORS.includes(literal.slice(-1)) ? literal.slice(0, -1) : literal;
			droppedPending = out === '';
			continue;
		}
		out += droppedPending && SEPARATORS.includes(literal[0] ?? '') ? literal.slice(1) : literal;
		droppedPending = false;
		out += value;
	}
	const tail = template.slice(last);
	out += droppedPending && SEPARATORS.includes(tail[0] ?? '') ? tail.slice(1) : tail;
	return out.trim() || ctx.project;
}
