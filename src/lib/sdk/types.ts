import type { ArtifactVersion } from '$lib/core/artifacts';
import type { DataRef, EnvInput, Params, RunStatus, Split } from '$lib/core/types';
import type { ArtifactData, ArtifactFileInput, DatasetRefInput, LogArtifactOptions, LoggedArtifact } from './artifacts';

export interface StartRunOptions {
	/** Project id (slug). Created with defaults when it does not exist yet. */
	project: string;
	/** Run name; filled from the project's naming template when omitted. */
	name?: string;
	params?: Params;
	tags?: string[];
	notes?: string;
	data?: DataRef;
	env?: EnvInput;
	parentRunId?: string;
	reproducesRunId?: string;
	/** Reject splits other than train/val/test. */
	strictSplits?: boolean;
}

export interface LogOptions {
	/** Step of these values; defaults to one past the run's last step. Must be finite. */
	step?: number;
	/** Defaults to `train`. */
	split?: Split;
	/** Wall time in epoch ms; defaults to now. */
	time?: number;
}

export interface FinishOptions {
	status?: Exclude<RunStatus, 'running'>;
}

/**
 * A live run. `log` is synchronous and cheap: points are buffered, packed into
 * chunks and committed on a short timer. Everything else returns a promise that
 * resolves once the change is committed to IndexedDB; bad input rejects (or, for
 * `log`, throws) with a named error and changes nothing.
 */
export interface RunHandle {
	readonly id: string;
	readonly name: string;
	readonly project: string;
	log(metrics: Record<string, number>, options?: LogOptions): void;
	logParams(params: Params): Promise<void>;
	setTags(tags: string[]): Promise<void>;
	setNote(markdown: string): Promise<void>;
	/**
	 * Stores files as a new version of artifact `name` (chunked, SHA-256-named,
	 * hashed in a worker); resolves once the version is committed. Identical
	 * content to the newest version creates no new version (`created: false`).
	 */
	logArtifact(name: string, data: ArtifactData | ArtifactFileInput[], options: LogArtifactOptions): Promise<LoggedArtifact>;
	/** A dataset known by reference only: URI, version, expected SHA-256 and size. */
	logDatasetRef(name: string, input: DatasetRefInput): Promise<LoggedArtifact>;
	/** Records that this run consumed a version of an artifact (lineage) and returns it. */
	useArtifact(name: string, ref?: string | number, options?: { project?: string }): Promise<ArtifactVersion>;
	/** Resolves once every point logged so far is committed to IndexedDB. */
	flush(): Promise<void>;
	/** Flushes, then records the final status (default `finished`). */
	finish(options?: FinishOptions): Promise<void>;
}
