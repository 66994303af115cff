/**
 * Named errors for everything Cairn rejects. Each message says what was wrong
 * and how to fix it; `code` is stable for programs that branch on it.
 * A rejected call never changes the store (callers validate before writing).
 */
export class CairnError extends Error {
	// Set explicitly: minified builds rename classes, and programs match on `name`.
	override readonly name: string = 'CairnError';
	readonly code: string;
	constructor(code: string, message: string) {
		super(message);
		this.code = code;
	}
}

/** Base class of every "your input is wrong" error. */
export class ValidationError extends CairnError {
	override readonly name: string = 'ValidationError';
}

export class InvalidKeyError extends ValidationError {
	override readonly name: string = 'InvalidKeyError';
	constructor(what: string, key: unknown, why: string) {
		super('invalid_key', `Invalid ${what} ${describe(key)}: ${why}.`);
	}
}

/** `__proto__`, `constructor`, `prototype`: they would let a key rewrite object prototypes. */
export class ForbiddenKeyError extends ValidationError {
	override readonly name: string = 'ForbiddenKeyError';
	constructor(what: string, key: string) {
		super(
			'forbidden_key',
			`The ${what} "${key}" is reserved (it could pollute object prototypes); rename it, e.g. "${key.replace(/_/g, '')}_".`
		);
	}
}

export class InvalidMetricValueError extends ValidationError {
	override readonly name: string = 'InvalidMetricValueError';
	constructor(key: string, value: unknown) {
		super(
			'invalid_metric_value',
			`Metric "${key}" must be a number, got ${describe(value)}. Convert it first (e.g. Number(x) or tensor.item()); NaN and ±Infinity are accepted as values.`
		);
	}
}

export class InvalidStepError extends ValidationError {
	override readonly name: string = 'InvalidStepError';
	constructor(step: unknown) {
		super('invalid_step', `Step must be a finite number, got ${describe(step)}. Pass an integer such as the epoch or batch index.`);
	}
}

export class InvalidTimeError extends ValidationError {
	override readonly name: string = 'InvalidTimeError';
	constructor(time: unknown) {
		super('invalid_time', `Time must be finite epoch milliseconds (e.g. Date.now()), got ${describe(time)}.`);
	}
}

export class InvalidSplitError extends ValidationError {
	override readonly name: string = 'InvalidSplitError';
	constructor(split: unknown, why: string) {
		super('invalid_split', `Invalid split ${describe(split)}: ${why}.`);
	}
}

export class UnknownSplitError extends ValidationError {
	override readonly name: string = 'UnknownSplitError';
	constructor(split: string, allowed: readonly string[]) {
		super(
			'unknown_split',
			`Split "${split}" is not allowed in strict mode; use one of ${allowed.join(', ')} or start the run with strictSplits: false.`
		);
	}
}

export class InvalidParamValueError extends ValidationError {
	override readonly name: string = 'InvalidParamValueError';
	constructor(key: string, value: unknown) {
		super(
			'invalid_param_value',
			`Param "${key}" must be a string, finite number, boolean or null, got ${describe(value)}. Flatten nested objects into dotted keys (e.g. "optimizer.lr").`
		);
	}
}

/** Params are write-once, as in MLflow: a run's configuration must not change after the fact. */
export class ParamConflictError extends ValidationError {
	override readonly name: string = 'ParamConflictError';
	constructor(key: string, before: unknown, after: unknown) {
		super(
			'param_conflict',
			`Param "${key}" is already ${describe(before)} and cannot be changed to ${describe(after)}: params are write-once. Log the new value under another key or start a new run.`
		);
	}
}

export class InvalidTagError extends ValidationError {
	override readonly name: string = 'InvalidTagError';
	constructor(tag: unknown, why: string) {
		super('invalid_tag', `Invalid tag ${describe(tag)}: ${why}.`);
	}
}

export class InvalidFieldError extends ValidationError {
	override readonly name: string = 'InvalidFieldError';
	constructor(field: string, why: string) {
		super('invalid_field', `Invalid ${field}: ${why}.`);
	}
}

export class InvalidTemplateError extends ValidationError {
	override readonly name: string = 'InvalidTemplateError';
	constructor(template: string, why: string) {
		super('invalid_template', `Invalid naming template "${template}": ${why}.`);
	}
}

export class RunClosedError extends CairnError {
	override readonly name: string = 'RunClosedError';
	constructor(runId: string, status: string) {
		super('run_closed', `Run ${runId} is already ${status}; start a new run to log more.`);
	}
}

export class NotFoundError extends CairnError {
	override readonly name: string = 'NotFoundError';
	constructor(what: string, id: string) {
		super('not_found', `No ${what} with id "${id}" exists in this workspace.`);
	}
}

/** Short, safe rendering of a bad value for messages. */
export function describe(value: unknown): string {
	if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
	if (typeof value === 'number') return String(value);
	if (typeof value === 'bigint') return `${value}n (a BigInt)`;
	if (value === null) return 'null';
	if (value === undefined) return 'undefined';
	if (Array.isArray(value)) return 'an array';
	if (typeof value === 'object') return 'an object';
	return `a ${typeof value}`;
}

/** A locked version (or an alias on one) was asked to change. */
export class LockedError extends CairnError {
	override readonly name: string = 'LockedError';
	constructor(what: string, howToFix: string) {
		super('locked', `${what} is locked. ${howToFix}`);
	}
}

/** A stored chunk's bytes no longer match their SHA-256: never served as good. */
export class ChunkCorruptedError extends CairnError {
	override readonly name: string = 'ChunkCorruptedError';
	readonly where: { versionId: string; path: string; chunkIndex: number; expected: string; actual: string | null };
	constructor(where: { versionId: string; path: string; chunkIndex: number; expected: string; actual: string | null }) {
		super(
			'chunk_corrupted',
			where.actual === null
				? `Chunk ${where.chunkIndex} of "${where.path}" in ${where.versionId} is missing from this device (expected ${where.expected.slice(0, 12)}…). Re-log the file or fetch it from a teammate.`
				: `Chunk ${where.chunkIndex} of "${where.path}" in ${where.versionId} is corrupted: expected SHA-256 ${where.expected.slice(0, 12)}…, got ${where.actual.slice(0, 12)}…. Re-log the file or fetch it from a teammate.`
		);
		this.where = where;
	}
}

/** An operation conflicts with the current state (e.g. deleting a version an alias points at). */
export class ConflictError extends CairnError {
	override readonly name: string = 'ConflictError';
	constructor(message: string) {
		super('conflict', message);
	}
}

/**
 * A version named chunks that are not stored (yet, or any more: the garbage
 * collector may sweep an old unreferenced chunk an ingest found and skipped).
 * Re-ingesting the files writes them; logArtifact does that once by itself.
 */
export class MissingChunksError extends ConflictError {
	override readonly name: string = 'MissingChunksError';
	readonly missing: string[];
	constructor(missing: string[]) {
		super(`Chunk ${missing[0]?.slice(0, 12)}… ${missing.length > 1 ? `and ${missing.length - 1} more are` : 'is'} not stored; ingest every file before committing the version.`);
		this.missing = missing;
	}
}
