/**
 * Whole-record validators for shared state that arrives from peers (principle 7):
 * the projection runs every run and project read from the Yjs document through
 * these before it reaches a Dexie table. A peer can send anything; a record
 * that fails is reported and skipped, never projected.
 */
import { InvalidFieldError } from './errors';
import { RUN_STATUSES, type ProjectRecord, type RunRecord } from './types';
import { validateNote, validateParams, validateProjectId, validateRunName, validateTags } from './validate';

function finite(value: unknown, field: string): number {
	if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidFieldError(field, 'expected a finite number');
	return value;
}

function text(value: unknown, field: string): string {
	if (typeof value !== 'string') throw new InvalidFieldError(field, 'expected a string');
	return value;
}

function nullableText(value: unknown, field: string): string | null {
	return value === null ? null : text(value, field);
}

function plainObject(value: unknown, field: string): Record<string, unknown> {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidFieldError(field, 'expected an object');
	return value as Record<string, unknown>;
}

export function validateRunRecord(run: RunRecord): RunRecord {
	text(run.id, 'run id');
	validateProjectId(run.projectId);
	validateRunName(run.name);
	if (!RUN_STATUSES.includes(run.status)) throw new InvalidFieldError('run status', `${JSON.stringify(run.status)} is not one of ${RUN_STATUSES.join(', ')}`);
	finite(run.startedAt, 'run startedAt');
	finite(run.heartbeatAt, 'run heartbeatAt');
	if (run.endedAt !== null) finite(run.endedAt, 'run endedAt');
	text(run.author, 'run author');
	validateParams(run.params);
	validateTags(run.tags);
	validateNote(run.notes);
	if (run.data !== null) plainObject(run.data, 'run data');
	plainObject(run.env, 'run env');
	nullableText(run.parentRunId, 'run parentRunId');
	nullableText(run.reproducesRunId, 'run reproducesRunId');
	for (const [id, s] of Object.entries(plainObject(run.summaries, 'run summaries'))) {
		const summary = plainObject(s, `summary ${id}`);
		text(summary.key, `summary ${id} key`);
		text(summary.split, `summary ${id} split`);
		for (const f of ['last', 'lastStep', 'min', 'max', 'count', 'nonFinite'])
			if (typeof summary[f] !== 'number') throw new InvalidFieldError(`summary ${id} ${f}`, 'expected a number');
	}
	if (typeof run.strictSplits !== 'boolean') throw new InvalidFieldError('run strictSplits', 'expected true or false');
	return run;
}

export function validateProjectRecord(project: ProjectRecord): ProjectRecord {
	validateProjectId(project.id);
	text(project.name, 'project name');
	finite(project.createdAt, 'project createdAt');
	text(project.namingTemplate, 'project naming template');
	text(project.description, 'project description');
	return project;
}
