/**
 * Cairn's public logging API. In the app: `import { startRun } from '$lib/sdk'`;
 * in the browser console of a Cairn tab: `await cairn.startRun({...})`.
 *
 *   const run = await startRun({ project: 'churn', params: { lr: 0.01 } });
 *   run.log({ loss: 0.31, acc: 0.9 }, { step: 1, split: 'val' });
 *   await run.finish();
 */
import { Cairn, type CairnOptions } from './cairn';
import type { RunHandle, StartRunOptions } from './types';

export { Cairn, STALE_AFTER_MS, type CairnOptions } from './cairn';
export { FLUSH_INTERVAL_MS } from './run-handle';
export type { FinishOptions, LogOptions, RunHandle, StartRunOptions } from './types';
export type { ArtifactData, ArtifactFileInput, DatasetRefInput, IngestProgress, LogArtifactOptions, LoggedArtifact } from './artifacts';
export type { ArtifactKind, ArtifactVersion, ArtifactRecord } from '$lib/core/artifacts';
export type { DataRef, EnvInput, Params, ParamValue, RunRecord, RunStatus, Split } from '$lib/core/types';
export * from '$lib/core/errors';
// What an artifact call can fail with beyond bad input: cancelled, out of storage, bytes changed meanwhile.
export { IngestCancelledError, SourceChangedError, StorageQuotaError } from '$lib/workers/ingest-errors';

let shared: Promise<Cairn> | null = null;

/** The page's shared Cairn (database `cairn`). Options apply only on the first call. */
export function getCairn(options?: CairnOptions): Promise<Cairn> {
	shared ??= Cairn.open(options).catch((error: unknown) => {
		shared = null;
		throw error;
	});
	return shared;
}

export async function startRun(options: StartRunOptions): Promise<RunHandle> {
	return (await getCairn()).startRun(options);
}
