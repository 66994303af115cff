/**
 * The errors an ingest names for its caller (cancelled, out of storage), and the
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
