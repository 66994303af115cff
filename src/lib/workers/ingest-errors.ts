/**
 * The errors an ingest names for its caller (cancelled, out of storage, source changed), and the
 * cancellation check the pipeline runs between steps.
 */
import { CairnError } from '$lib/core/errors';

/** The caller cancelled (AbortSignal or worker `cancel()`). Chunks already written stay until the GC's grace period ends. */
export class IngestCancelledError extends CairnError {
	override readonly name: string = 'IngestCancelledError';
	constructor(label?: string) {
		super('ingest_cancelled', `${label ? `Storing "${label}"` : 'The ingest'} was cancelled; nothing was logged. Log it again to resume (chunks already stored are reused).`);
	}
}

/** The browser refused to store more bytes. Nothing becomes visible: a version commits only after every chunk is stored. */
export class StorageQuotaError extends CairnError {
	override readonly name: string = 'StorageQuotaError';
	readonly fileSize: number;
	/** Bytes of this file not yet stored on the device when the quota ran out. */
	readonly bytesNeeded: number;
	constructor(label: string | undefined, fileSize: number, bytesNeeded: number) {
		super(
			'storage_quota',
			`Not enough storage for ${label ? `"${label}"` : 'the file'} (${formatBytes(fileSize)}): about ${formatBytes(bytesNeeded)} more is needed on this device. ` +
				'Free space (delete unlocked artifact versions, or other data of this site) and log it again; chunks already stored are reused.'
		);
		this.fileSize = fileSize;
		this.bytesNeeded = bytesNeeded;
	}
}

/**
 * Bytes handed over in memory (a Uint8Array or ArrayBuffer) changed size while
 * they were being stored: the buffer was transferred, detached or resized.
 * They are read as the ingest goes (not copied whole up front), so they must
 * stay as they are until the call resolves. Nothing was logged.
 */
export class SourceChangedError extends CairnError {
	override readonly name: string = 'SourceChangedError';
	constructor(label: string | undefined, expected: number, actual: number) {
		super(
			'source_changed',
			`The bytes of ${label ? `"${label}"` : 'the artifact'} changed while being stored: ${expected} bytes became ${actual} (was the buffer transferred, detached or resized?). ` +
				'Keep the array as it is until logArtifact resolves, then log it again; nothing was logged.'
		);
	}
}

/** What an ingest polls to learn it was cancelled. */
export type CancelSignal = { readonly aborted: boolean } | undefined;

export function throwIfAborted(signal: CancelSignal, label: string | undefined) {
	if (signal?.aborted) throw new IngestCancelledError(label);
}

function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	const units = ['KiB', 'MiB', 'GiB', 'TiB'];
	let value = bytes / 1024;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}
	return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
