/**
 * The SDK's entry object: owns the database and repositories and starts runs.
 * Environment (database name, clock, author, env probe) is passed in so tests
 * run it in Node against fake-indexeddb with a fake clock.
 */
import { fillTemplate } from '$lib/core/naming';
import { newRunId } from '$lib/core/ids';
import type { BrowserEnv, Params, RunRecord } from '$lib/core/types';
import {
	validateDataRef,
	validateEnvInput,
	validateNote,
	validateParams,
	validateProjectId,
	validateRunName,
	validateTags
} from '$lib/core/validate';
import { InvalidFieldError } from '$lib/core/errors';
import { openDb, type CairnDb } from '$lib/store/db';
import { ArtifactBytes } from '$lib/store/artifact-bytes';
import { ArtifactRepository } from '$lib/store/artifacts-repo';
import { IngestPool, inProcessHash, inProcessIngest, type IngestOptions } from '$lib/workers/ingest-pool';
import { logArtifact, logDatasetRef, type ArtifactContext, type ArtifactData, type ArtifactFileInput, type DatasetRefInput, type IngestFn, type LogArtifactOptions, type LoggedArtifact } from './artifacts';
import { MetricRepository } from '$lib/store/metrics-repo';
import { ProjectRepository } from '$lib/store/projects-repo';
import { RunRepository } from '$lib/store/runs-repo';
import { captureBrowserEnv } from './browser-env';
import { Run } from './run-handle';
import type { RunHandle, StartRunOptions } from './types';

/**
 * A `running` run whose heartbeat is older than this is marked `killed`. Three
 * minutes: hidden tabs get their timers throttled to once a minute, so a live
 * background run's heartbeat can legitimately be ~60 s old.
 */
export const STALE_AFTER_MS = 3 * 60_000;

export interface CairnOptions {
	dbName?: string;
	db?: CairnDb;
	/** Display name recorded as each run's author. */
	author?: string;
	now?: () => number;
	captureEnv?: () => Promise<BrowserEnv | undefined>;
	onBackgroundError?: (error: unknown) => void;
	/** How artifact files are chunked, hashed and stored; defaults to a worker pool in browsers, in-process elsewhere. */
	ingest?: IngestFn;
	hash?: HashFn;
}

/** Hashes a file without storing it (e.g. to verify a dataset reference against a local copy). */
export type HashFn = (source: Blob | ArrayBuffer, options?: IngestOptions) => Promise<{ size: number; sha256: string }>;

/**
 * Workers where the platform has them (the main thread stays free), in-process
 * in Node and tests. One lazily created pool serves both ingest and hash.
 */
function defaultHashing(db: CairnDb, now: () => number): { ingest: IngestFn; hash: HashFn } {
	if (typeof Worker === 'undefined') return { ingest: inProcessIngest(db, now), hash: inProcessHash() };
	let pool: IngestPool | undefined;
	const get = () => (pool ??= new IngestPool());
	return {
		ingest: (source, options) => get().ingest(source, { dbName: db.name, ...options }),
		hash: (source, options = {}) => get().hash(source, options)
	};
}

export class Cairn {
	readonly db: CairnDb;
	readonly runs: RunRepository;
	readonly projects: ProjectRepository;
	readonly metrics: MetricRepository;
	readonly artifacts: ArtifactRepository;
	readonly bytes: ArtifactBytes;
	readonly ingest: IngestFn;
	readonly hash: HashFn;
	author: string;
	readonly #now: () => number;
	readonly #captureEnv: () => Promise<BrowserEnv | undefined>;
	readonly #onBackgroundError: (error: unknown) => void;

	private constructor(options: CairnOptions) {
		this.db = options.db ?? openDb(options.dbName);
		this.runs = new RunRepository(this.db);
		this.projects = new ProjectRepository(this.db);
		this.metrics = new MetricRepository(this.db);
		this.artifacts = new ArtifactRepository(this.db);
		this.bytes = new ArtifactBytes(this.db);
		this.author = options.author ?? 'anonymous';
		this.#now = options.now ?? Date.now;
		// In-process ingest stamps chunks with this Cairn's clock, the one its GC is asked about.
		const hashing = defaultHashing(this.db, this.#now);
		this.ingest = options.ingest ?? hashing.ingest;
		this.hash = options.hash ?? hashing.hash;
		this.#captureEnv = options.captureEnv ?? captureBrowserEnv;
		this.#onBackgroundError = options.onBackgroundError ?? ((e) => console.warn('Cairn: a background flush failed; it will be retried.', e));
	}

	/** Opens the store and marks runs left `running` by a page that died as `killed`. */
	static async open(options: CairnOptions = {}): Promise<Cairn> {
		const cairn = new Cairn(options);
		await cairn.db.open();
		await cairn.runs.sweepStale(cairn.#now(), STALE_AFTER_MS);
		return cairn;
	}

	async startRun(options: StartRunOptions): Promise<RunHandle> {
		if (typeof options !== 'object' || options === null) throw new InvalidFieldError('startRun options', 'pass { project, params?, ... }');
		// Validate the whole call before touching the store.
		const projectId = validateProjectId(options.project);
		const params: Params = options.params === undefined ? {} : validateParams(options.params);
		const tags = options.tags === undefined ? [] : validateTags(options.tags);
		const notes = options.notes === undefined ? '' : validateNote(options.notes);
		const data = options.data === undefined ? null : validateDataRef(options.data);
		const envInput = options.env === undefined ? {} : validateEnvInput(options.env);
		const name = options.name === undefined ? undefined : validateRunName(options.name);
		for (const [field, value] of [['parentRunId', options.parentRunId], ['reproducesRunId', options.reproducesRunId]] as const)
			if (value !== undefined && typeof value !== 'string') throw new InvalidFieldError(field, 'pass a run id string');

		const now = this.#now();
		const [project, browser] = await Promise.all([this.projects.ensure(projectId, now), this.#captureEnv()]);
		const record: RunRecord = {
			id: newRunId(now),
			projectId,
			name: name ?? fillTemplate(project.namingTemplate, { project: projectId, params, now: new Date(now) }),
			status: 'running',
			startedAt: now,
			endedAt: null,
			heartbeatAt: now,
			author: this.author,
			params,
			tags,
			notes,
			data,
			env: browser ? { ...envInput, browser } : envInput,
			parentRunId: options.parentRunId ?? null,
			reproducesRunId: options.reproducesRunId ?? null,
			summaries: {},
			strictSplits: options.strictSplits === true
		};
		await this.runs.create(record);
		return new Run(record, {
			runs: this.runs,
			metrics: this.metrics,
			now: this.#now,
			onBackgroundError: this.#onBackgroundError,
			artifactContext: () => this.artifactContext(projectId, record.id)
		});
	}

	/** What artifact logging needs, for a project and (optionally) the run that produced the files. */
	artifactContext(projectId: string, runId: string | null): ArtifactContext {
		return { artifacts: this.artifacts, ingest: this.ingest, projectId: validateProjectId(projectId), runId, author: this.author, now: this.#now };
	}

	/** Logs a version outside a live run handle (e.g. files dropped on a finished run's page). */
	logArtifact(projectId: string, runId: string | null, name: string, data: ArtifactData | ArtifactFileInput[], options: LogArtifactOptions): Promise<LoggedArtifact> {
		return logArtifact(this.artifactContext(projectId, runId), name, data, options);
	}

	logDatasetRef(projectId: string, runId: string | null, name: string, input: DatasetRefInput): Promise<LoggedArtifact> {
		return logDatasetRef(this.artifactContext(projectId, runId), name, input);
	}

	close(): void {
		this.db.close();
	}
}
