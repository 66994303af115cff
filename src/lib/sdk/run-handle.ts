/**
 * The object `startRun` returns. `log` validates synchronously and buffers;
 * a timer flushes buffered points every FLUSH_INTERVAL_MS, and a heartbeat
 * keeps the record's `heartbeatAt` fresh so a dead page's run can be told apart
 * from a live one (see Cairn.open's stale sweep).
 */
import { InvalidFieldError, InvalidMetricValueError, RunClosedError } from '$lib/core/errors';
import type { Params, RunRecord } from '$lib/core/types';
import {
	validateFinalStatus,
	validateKey,
	validateNote,
	validateParams,
	validateSplit,
	validateStep,
	validateTags,
	validateTime
} from '$lib/core/validate';
import type { MetricRepository } from '$lib/store/metrics-repo';
import type { RunRepository } from '$lib/store/runs-repo';
import type { ArtifactVersion } from '$lib/core/artifacts';
import { validateArtifactName } from '$lib/core/artifacts';
import { logArtifact, logDatasetRef, type ArtifactContext, type ArtifactData, type ArtifactFileInput, type DatasetRefInput, type LogArtifactOptions, type LoggedArtifact } from './artifacts';
import { MetricWriter } from './metric-writer';
import type { FinishOptions, LogOptions, RunHandle } from './types';

/** Points reach IndexedDB within this delay; short enough for live charts (and a teammate's, later). */
export const FLUSH_INTERVAL_MS = 200;
/** Past this many buffered points a flush starts at once, bounding memory under a fast logger. */
export const EAGER_FLUSH_POINTS = 1 << 18;
/**
 * Heartbeat period. Chrome throttles timers of hidden tabs to one per minute,
 * so STALE_AFTER_MS (in cairn.ts) must stay well above 60 s.
 */
export const HEARTBEAT_MS = 10_000;

export interface RunDeps {
	runs: RunRepository;
	metrics: MetricRepository;
	now: () => number;
	/** Reports errors of background flushes; the next flush() retries and rejects if it fails again. */
	onBackgroundError: (error: unknown) => void;
	artifactContext: () => ArtifactContext;
}

export class Run implements RunHandle {
	readonly id: string;
	readonly name: string;
	readonly project: string;
	readonly #deps: RunDeps;
	readonly #writer: MetricWriter;
	readonly #strictSplits: boolean;
	readonly #knownKeys = new Set<string>();
	readonly #knownSplits = new Set<string>();
	#nextStep = 0;
	#closed: string | null = null;
	#timer: ReturnType<typeof setTimeout> | null = null;
	/** An immediate flush is already scheduled; don't reschedule on every log call. */
	#eager = false;
	#heartbeat: ReturnType<typeof setInterval>;

	constructor(record: RunRecord, deps: RunDeps) {
		this.id = record.id;
		this.name = record.name;
		this.project = record.projectId;
		this.#strictSplits = record.strictSplits;
		this.#deps = deps;
		this.#writer = new MetricWriter(record.id, deps.metrics, deps.now);
		this.#heartbeat = setInterval(() => this.#background(true), HEARTBEAT_MS);
	}

	log(metrics: Record<string, number>, options?: LogOptions): void {
		if (this.#closed) throw new RunClosedError(this.id, this.#closed);
		const split = options?.split ?? 'train';
		if (!this.#knownSplits.has(split)) {
			validateSplit(split, this.#strictSplits);
			this.#knownSplits.add(split);
		}
		const step = options?.step === undefined ? this.#nextStep : validateStep(options.step);
		const time = options?.time === undefined ? this.#deps.now() : validateTime(options.time);
		if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics))
			throw new InvalidFieldError('metrics', 'pass an object such as { loss: 0.3, acc: 0.9 }');
		// Validate everything before buffering anything: a rejected call changes nothing.
		// for-in (not Object.keys) keeps the hot path allocation-free; inherited keys of
		// a non-plain object are validated like own ones, so nothing slips through.
		for (const key in metrics) {
			if (!this.#knownKeys.has(key)) {
				validateKey(key);
				this.#knownKeys.add(key);
			}
			if (typeof metrics[key] !== 'number') throw new InvalidMetricValueError(key, metrics[key]);
		}
		for (const key in metrics) this.#writer.push(key, split, step, time, metrics[key] as number);
		if (step >= this.#nextStep) this.#nextStep = step + 1;
		if (this.#timer === null) this.#schedule(FLUSH_INTERVAL_MS);
		else if (this.#writer.pending >= EAGER_FLUSH_POINTS && !this.#eager) {
			this.#schedule(0);
			this.#eager = true;
		}
	}

	async logParams(params: Params): Promise<void> {
		this.#assertOpen();
		validateParams(params);
		await this.#deps.runs.update(this.id, (run) => {
			Object.assign(run.params, validateParams(params, run.params));
		});
	}

	async setTags(tags: string[]): Promise<void> {
		const valid = validateTags(tags);
		await this.#deps.runs.update(this.id, (run) => {
			run.tags = valid;
		});
	}

	async setNote(markdown: string): Promise<void> {
		const valid = validateNote(markdown);
		await this.#deps.runs.update(this.id, (run) => {
			run.notes = valid;
		});
	}

	async logArtifact(name: string, data: ArtifactData | ArtifactFileInput[], options: LogArtifactOptions): Promise<LoggedArtifact> {
		this.#assertOpen();
		return logArtifact(this.#deps.artifactContext(), name, data, options);
	}

	async logDatasetRef(name: string, input: DatasetRefInput): Promise<LoggedArtifact> {
		this.#assertOpen();
		return logDatasetRef(this.#deps.artifactContext(), name, input);
	}

	/** Records that this run consumed a version (`v3`, `3`, `latest` or an alias) and returns it. */
	async useArtifact(name: string, ref: string | number = 'latest', options: { project?: string } = {}): Promise<ArtifactVersion> {
		this.#assertOpen();
		validateArtifactName(name);
		const ctx = this.#deps.artifactContext();
		const version = await ctx.artifacts.resolve(options.project ?? this.project, name, ref);
		await ctx.artifacts.recordUse(this.id, version.id, this.#deps.now());
		return version;
	}

	flush(): Promise<void> {
		this.#clearTimer();
		return this.#writer.flush();
	}

	async finish(options?: FinishOptions): Promise<void> {
		this.#assertOpen();
		const status = validateFinalStatus(options?.status ?? 'finished');
		this.#closed = status;
		clearInterval(this.#heartbeat);
		try {
			await this.flush();
		} catch (error) {
			// Not finished after all: the points are still retryable through another finish().
			this.#closed = null;
			this.#heartbeat = setInterval(() => this.#background(true), HEARTBEAT_MS);
			throw error;
		}
		const endedAt = this.#deps.now();
		await this.#deps.runs.update(this.id, (run) => {
			run.status = status;
			run.endedAt = endedAt;
			run.heartbeatAt = endedAt;
		});
	}

	#assertOpen(): void {
		if (this.#closed) throw new RunClosedError(this.id, this.#closed);
	}

	#schedule(delay: number): void {
		this.#clearTimer();
		this.#timer = setTimeout(() => {
			this.#timer = null;
			this.#background();
		}, delay);
	}

	#clearTimer(): void {
		if (this.#timer !== null) clearTimeout(this.#timer);
		this.#timer = null;
		this.#eager = false;
	}

	#background(heartbeat = false): void {
		this.#writer.flush(heartbeat).catch(this.#deps.onBackgroundError);
	}
}
