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
import { DEFAULT_DB_NAME, type CairnDb } from '$lib/store/db';
import type { WorkspaceInfo } from '$lib/core/workspace';
import type { WorkspaceOptions } from '$lib/sync/workspace';
import type { WorkspaceHandle } from '$lib/sync/workspace-handle';
import { WorkspaceClient } from '$lib/sync/worker/client';
import { ArtifactBytes } from '$lib/store/artifact-bytes';
import { ArtifactRepository } from '$lib/store/artifacts-repo';
import { IngestPool, inProcessHash, inProcessIngest, type IngestOptions } from '$lib/workers/ingest-pool';
import { logArtifact, logDatasetRef, type ArtifactContext, type ArtifactData, type ArtifactFileInput, type DatasetRefInput, type IngestFn, type LogArtifactOptions, type LoggedArtifact } from './artifacts';
import { MetricRepository } from '$lib/store/metrics-repo';
import { ProjectRepository } from '$lib/store/projects-repo';
import { RunRepository } from '$lib/store/runs-repo';
import { holdWorkspaceOpen } from '$lib/store/workspace-open-lock';
import { captureBrowserEnv } from './browser-env';
import { Run } from './run-handle';
import type { RunHandle, StartRunOptions } from './types';

/**
 * A `running` run whose heartbeat is older than this is marked `killed`. Three
 * minutes: hidden tabs get their timers throttled to once a minute, so a live
 * background run's heartbeat can legitimately be ~60 s old.
 */
export const STALE_AFTER_MS = 3 * 60_000;

/**
 * With `waitForDocument: false`, how long after opening the document starts to
 * load unless something needs it sooner (a write, sync): a page drawn from the
 * projection usually takes a few hundred milliseconds.
 */
export const DOCUMENT_LOAD_DELAY_MS = 1_000;

export interface CairnOptions {
	/** The workspace to open (its database, document and sync settings); default: a private one on `dbName`. */
	workspace?: WorkspaceInfo;
	/** Database of the default private workspace (tests use a fresh name each). */
	dbName?: string;
	/** false: `open` resolves once the database is open, before the document has loaded (see `open`). */
	waitForDocument?: boolean;
	/** Where the document, projection and sync run: a dedicated worker (default where Worker exists) or this thread. */
	workspaceWorker?: boolean;
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
export type HashFn = (source: Blob | ArrayBuffer | Uint8Array, options?: IngestOptions) => Promise<{ size: number; sha256: string }>;

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

/** A private (never shared) workspace on a database, for tests and the SDK used without the app. */
function privateWorkspace(dbName: string): WorkspaceInfo {
	return { id: dbName, name: 'Personal', dbName, roomId: '', key: '', signalingUrls: [], shared: false, createdAt: 0 };
}

/** This origin's signaling endpoint (scripts/signaling.mjs, run by `npm start`); none outside a browser. */
function defaultSignalingUrl(): string | undefined {
	const loc = (globalThis as { location?: Location }).location;
	if (!loc || !/^https?:$/.test(loc.protocol)) return undefined;
	return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/signal`;
}

/**
 * The workspace in its own worker where the platform has workers (the page's
 * thread stays free while a large document loads or syncs), in-process
 * elsewhere (Node, tests). The in-process code is loaded only when used.
 */
async function openWorkspace(info: WorkspaceInfo, options: WorkspaceOptions, inWorker: boolean): Promise<WorkspaceHandle> {
	if (inWorker && typeof Worker !== 'undefined') return WorkspaceClient.open(info, options);
	const { Workspace } = await import('$lib/sync/workspace');
	return Workspace.open(info, options);
}

/** Background failures (a flush to retry, a peer's record that was not applied) are not thrown at anyone: say them in the console. */
function warnInBackground(error: unknown): void {
	console.warn('Cairn (background):', error);
}

export class Cairn {
	readonly workspace: WorkspaceHandle;
	#ready: Promise<void> | null = null;
	#sweep: () => Promise<void> = async () => {};

	#markLoaded: () => void = () => {};
	/** Resolves once `ready` has (without starting the load, unlike `ready`): for work that should follow the load, not cause it. */
	readonly loaded = new Promise<void>((resolve) => (this.#markLoaded = resolve));

	/** Resolves once the workspace document has loaded and stale runs were swept (see `open`); starts the load if it has not started. */
	get ready(): Promise<void> {
		return (this.#ready ??= this.workspace.ready.then(() => this.#sweep()).then(() => this.#markLoaded()));
	}
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
	#releaseOpenLock: () => void = () => {};

	private constructor(workspace: WorkspaceHandle, options: CairnOptions) {
		this.workspace = workspace;
		this.db = workspace.db;
		this.runs = new RunRepository(this.db, workspace.shared);
		this.projects = new ProjectRepository(this.db, workspace.shared);
		this.metrics = new MetricRepository(this.db, workspace.shared);
		this.artifacts = new ArtifactRepository(this.db, workspace.shared);
		this.bytes = new ArtifactBytes(this.db, (hash) => workspace.fetchArtifactChunk(hash));
		this.author = options.author ?? 'anonymous';
		this.#now = options.now ?? Date.now;
		// In-process ingest stamps chunks with this Cairn's clock, the one its GC is asked about.
		const hashing = defaultHashing(this.db, this.#now);
		this.ingest = options.ingest ?? hashing.ingest;
		this.hash = options.hash ?? hashing.hash;
		this.#captureEnv = options.captureEnv ?? captureBrowserEnv;
		this.#onBackgroundError = options.onBackgroundError ?? warnInBackground;
	}

	/**
	 * Opens the workspace's database (pages can read the projection at once)
	 * and, once its document has loaded, marks this author's runs left
	 * `running` by a page that died as `killed`. `ready` resolves after both.
	 * By default `open` waits for `ready`, so SDK callers start from a clean
	 * state; the app passes `waitForDocument: false` to draw the first page
	 * without waiting for a large document to load (writes still wait for it).
	 */
	static async open(options: CairnOptions = {}): Promise<Cairn> {
		const info = options.workspace ?? privateWorkspace(options.dbName ?? DEFAULT_DB_NAME);
		const now = options.now ?? Date.now;
		const onError = options.onBackgroundError ?? warnInBackground;
		// Held from before the databases open: removing the workspace elsewhere waits for no one and is refused.
		const releaseOpenLock = holdWorkspaceOpen(info.id);
		let workspace: WorkspaceHandle;
		try {
			workspace = await openWorkspace(info, { author: options.author ?? 'anonymous', now, defaultSignalingUrl: defaultSignalingUrl(), onError }, options.workspaceWorker ?? true);
		} catch (error) {
			releaseOpenLock();
			throw error;
		}
		const cairn = new Cairn(workspace, options);
		cairn.#releaseOpenLock = releaseOpenLock;
		cairn.#sweep = () => cairn.runs.sweepStale(now(), STALE_AFTER_MS, cairn.author).then(() => undefined);
		// Loading a large document takes a second of CPU and IndexedDB (in the workspace worker where there
		// is one, in-process otherwise): let the first page draw first (with nothing projected yet, e.g.
		// right after joining, there is nothing to draw: load now).
		if (options.waitForDocument === false) {
			// One key, not a count: counting walks every run (~50 ms for 10,000 on a cold start).
			const delay = (await workspace.db.runs.limit(1).primaryKeys()).length > 0 ? DOCUMENT_LOAD_DELAY_MS : 0;
			setTimeout(() => cairn.ready.catch(onError), delay);
		} else await cairn.ready;
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

	async close(): Promise<void> {
		try {
			await this.workspace.close();
		} finally {
			this.#releaseOpenLock();
		}
	}
}
