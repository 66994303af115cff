/**
 * Validators for every value that enters Cairn (principle 7). They throw the
 * named errors of errors.ts and never mutate their input; callers validate the
 * whole call before writing anything, so a rejected call changes nothing.
 */
import {
	ForbiddenKeyError,
	InvalidFieldError,
	InvalidKeyError,
	InvalidMetricValueError,
	InvalidParamValueError,
	InvalidSplitError,
	InvalidStepError,
	InvalidTagError,
	InvalidTimeError,
	ParamConflictError,
	UnknownSplitError
} from './errors';
import {
	FINAL_STATUSES,
	STANDARD_SPLITS,
	type DataRef,
	type EnvInput,
	type Params,
	type ParamValue,
	type RunStatus
} from './types';

/** MLflow's limit for metric and param keys; long enough for `layer.3.attention.dropout`. */
export const MAX_KEY_LENGTH = 250;
export const MAX_TAG_LENGTH = 100;
export const MAX_TAGS = 100;
/** Params are configuration, not data: 6,000 chars matches MLflow's value limit. */
export const MAX_PARAM_STRING_LENGTH = 6000;
/** Notes are Markdown written by people; 1 MB is far more than any note and keeps records small. */
export const MAX_NOTE_LENGTH = 1_000_000;
export const MAX_SPLIT_LENGTH = 32;

const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Letters, digits and `_ - . / : space`; no `@` (used in series ids), no control characters. */
const KEY_PATTERN = /^[\p{L}\p{N}_\-./: ]+$/u;
const SPLIT_PATTERN = /^[a-z0-9_-]+$/i;
const PROJECT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function validateKey(key: unknown, what = 'metric key'): string {
	if (typeof key !== 'string') throw new InvalidKeyError(what, key, 'keys must be strings');
	if (key.length === 0) throw new InvalidKeyError(what, key, 'it is empty');
	if (key.length > MAX_KEY_LENGTH)
		throw new InvalidKeyError(what, key, `it is ${key.length} characters long; the limit is ${MAX_KEY_LENGTH}`);
	if (RESERVED_KEYS.has(key)) throw new ForbiddenKeyError(what, key);
	if (key !== key.trim()) throw new InvalidKeyError(what, key, 'remove leading or trailing spaces');
	if (!KEY_PATTERN.test(key))
		throw new InvalidKeyError(what, key, 'use letters, digits, spaces and _ - . / : only');
	return key;
}

export function validateMetricValue(key: string, value: unknown): number {
	if (typeof value !== 'number') throw new InvalidMetricValueError(key, value);
	return value;
}

export function validateStep(step: unknown): number {
	if (typeof step !== 'number' || !Number.isFinite(step)) throw new InvalidStepError(step);
	return step;
}

export function validateTime(time: unknown): number {
	if (typeof time !== 'number' || !Number.isFinite(time)) throw new InvalidTimeError(time);
	return time;
}

export function validateSplit(split: unknown, strict: boolean): string {
	if (typeof split !== 'string') throw new InvalidSplitError(split, 'splits are strings such as "train"');
	if (split.length === 0 || split.length > MAX_SPLIT_LENGTH)
		throw new InvalidSplitError(split, `use 1 to ${MAX_SPLIT_LENGTH} characters`);
	if (!SPLIT_PATTERN.test(split)) throw new InvalidSplitError(split, 'use letters, digits, _ and - only');
	if (strict && !(STANDARD_SPLITS as readonly string[]).includes(split))
		throw new UnknownSplitError(split, STANDARD_SPLITS);
	return split;
}

/** Checks a whole `run.log` payload before any of it is buffered. */
export function validateMetrics(metrics: unknown, knownKeys?: Set<string>): Record<string, number> {
	if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics))
		throw new InvalidFieldError('metrics', 'pass an object such as { loss: 0.3, acc: 0.9 }');
	const record = metrics as Record<string, unknown>;
	for (const key of Object.keys(record)) {
		if (!knownKeys?.has(key)) validateKey(key);
		validateMetricValue(key, record[key]);
	}
	return record as Record<string, number>;
}

export function validateParamValue(key: string, value: unknown): ParamValue {
	if (value === null || typeof value === 'string' || typeof value === 'boolean') {
		if (typeof value === 'string' && value.length > MAX_PARAM_STRING_LENGTH)
			throw new InvalidFieldError(`param "${key}"`, `the value is ${value.length} characters; the limit is ${MAX_PARAM_STRING_LENGTH}`);
		return value;
	}
	if (typeof value === 'number' && Number.isFinite(value)) return value;
	throw new InvalidParamValueError(key, value);
}

/** Validates new params and checks them against the already-logged ones (write-once). */
export function validateParams(params: unknown, existing: Params = {}): Params {
	if (typeof params !== 'object' || params === null || Array.isArray(params))
		throw new InvalidFieldError('params', 'pass an object such as { lr: 0.01, model: "mlp" }');
	const out: Params = Object.create(null);
	for (const key of Object.getOwnPropertyNames(params)) {
		validateKey(key, 'param key');
		const value = validateParamValue(key, (params as Record<string, unknown>)[key]);
		if (Object.prototype.hasOwnProperty.call(existing, key) && !Object.is(existing[key], value))
			throw new ParamConflictError(key, existing[key], value);
		out[key] = value;
	}
	return { ...out };
}

export function validateTags(tags: unknown): string[] {
	if (!Array.isArray(tags)) throw new InvalidFieldError('tags', 'pass an array of strings');
	if (tags.length > MAX_TAGS) throw new InvalidFieldError('tags', `${tags.length} tags given; the limit is ${MAX_TAGS}`);
	const seen = new Set<string>();
	for (const tag of tags) {
		if (typeof tag !== 'string') throw new InvalidTagError(tag, 'tags are strings');
		const trimmed = tag.trim();
		if (trimmed.length === 0) throw new InvalidTagError(tag, 'it is empty');
		if (trimmed.length > MAX_TAG_LENGTH) throw new InvalidTagError(tag, `the limit is ${MAX_TAG_LENGTH} characters`);
		if (RESERVED_KEYS.has(trimmed)) throw new ForbiddenKeyError('tag', trimmed);
		if (/[\p{Cc},]/u.test(trimmed)) throw new InvalidTagError(tag, 'commas and control characters are not allowed');
		seen.add(trimmed);
	}
	return [...seen];
}

export function validateNote(note: unknown): string {
	if (typeof note !== 'string') throw new InvalidFieldError('note', 'pass Markdown text as a string');
	if (note.length > MAX_NOTE_LENGTH) throw new InvalidFieldError('note', `it is ${note.length} characters; the limit is ${MAX_NOTE_LENGTH}`);
	return note;
}

export function validateProjectId(id: unknown): string {
	if (typeof id !== 'string' || !PROJECT_ID_PATTERN.test(id))
		throw new InvalidFieldError(
			'project',
			`${JSON.stringify(id)} is not a project id; use 1–63 lowercase letters, digits and dashes, starting with a letter or digit (e.g. "churn-model")`
		);
	return id;
}

export function validateRunName(name: unknown): string {
	if (typeof name !== 'string' || name.trim().length === 0)
		throw new InvalidFieldError('run name', 'pass a non-empty string or leave it out to use the naming template');
	if (name.length > MAX_KEY_LENGTH) throw new InvalidFieldError('run name', `the limit is ${MAX_KEY_LENGTH} characters`);
	if (/\p{Cc}/u.test(name)) throw new InvalidFieldError('run name', 'control characters are not allowed');
	return name.trim();
}

export function validateFinalStatus(status: unknown): RunStatus {
	if (!(FINAL_STATUSES as readonly unknown[]).includes(status))
		throw new InvalidFieldError('status', `${JSON.stringify(status)} is not one of ${FINAL_STATUSES.join(', ')}`);
	return status as RunStatus;
}

function optionalString(field: string, value: unknown, max = 2000): string | undefined {
	if (value === undefined) return undefined;
	if (typeof value !== 'string' || value.length > max) throw new InvalidFieldError(field, `expected a string of at most ${max} characters`);
	return value;
}

function stringRecord(field: string, value: unknown, allowScalars: boolean): Record<string, string | number | boolean> | undefined {
	if (value === undefined) return undefined;
	if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidFieldError(field, 'expected an object');
	const out: Record<string, string | number | boolean> = {};
	for (const key of Object.getOwnPropertyNames(value)) {
		validateKey(key, `${field} key`);
		const v = (value as Record<string, unknown>)[key];
		const ok = typeof v === 'string' || (allowScalars && ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean'));
		if (!ok) throw new InvalidFieldError(`${field}.${key}`, allowScalars ? 'expected a string, finite number or boolean' : 'expected a string');
		out[key] = v as string | number | boolean;
	}
	return out;
}

function optionalSeed(field: string, value: unknown): number | undefined {
	if (value === undefined) return undefined;
	if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidFieldError(field, 'expected a finite number');
	return value;
}

/** Drops undefined fields so records stay JSON-clean for the later Yjs mirror. */
function compact<T extends object>(value: T): T {
	return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function validateDataRef(data: unknown): DataRef {
	if (typeof data !== 'object' || data === null || Array.isArray(data))
		throw new InvalidFieldError('data', 'pass { source, version?, splitIds?, seed?, splitLogic? }');
	const d = data as Record<string, unknown>;
	if (typeof d.source !== 'string' || d.source.trim() === '')
		throw new InvalidFieldError('data.source', 'name where the data came from, e.g. a URI or dataset name');
	return compact({
		source: optionalString('data.source', d.source) as string,
		version: optionalString('data.version', d.version),
		splitIds: stringRecord('data.splitIds', d.splitIds, false) as Record<string, string> | undefined,
		seed: optionalSeed('data.seed', d.seed),
		splitLogic: optionalString('data.splitLogic', d.splitLogic)
	});
}

export function validateEnvInput(env: unknown): EnvInput {
	if (typeof env !== 'object' || env === null || Array.isArray(env))
		throw new InvalidFieldError('env', 'pass { libraries?, seed?, code?, hardware? }');
	const e = env as Record<string, unknown>;
	let code: EnvInput['code'];
	if (e.code !== undefined) {
		if (typeof e.code !== 'object' || e.code === null) throw new InvalidFieldError('env.code', 'pass { repo?, commit?, dirty? }');
		const c = e.code as Record<string, unknown>;
		if (c.dirty !== undefined && typeof c.dirty !== 'boolean') throw new InvalidFieldError('env.code.dirty', 'expected true or false');
		code = compact({
			repo: optionalString('env.code.repo', c.repo),
			commit: optionalString('env.code.commit', c.commit, 100),
			dirty: c.dirty as boolean | undefined
		});
	}
	return compact({
		libraries: stringRecord('env.libraries', e.libraries, false) as Record<string, string> | undefined,
		seed: optionalSeed('env.seed', e.seed),
		code,
		hardware: stringRecord('env.hardware', e.hardware, true)
	});
}
