/**
 * Errors crossing the workspace worker's boundary. Comlink keeps only an
 * Error's name and message; Cairn's callers also branch on `code` (and show
 * the message as is), so failures cross as plain objects and are rebuilt as
 * CairnErrors carrying the worker's name, code and message.
 */
import { CairnError } from '$lib/core/errors';

export interface WireError {
	cairnWireError: true;
	name: string;
	code: string | null;
	message: string;
}

export function toWire(error: unknown): WireError {
	if (error instanceof Error) {
		const code = (error as { code?: unknown }).code;
		return { cairnWireError: true, name: error.name, code: typeof code === 'string' ? code : null, message: error.message };
	}
	return { cairnWireError: true, name: 'Error', code: null, message: String(error) };
}

/** The error as the page sees it; anything that is not a WireError (e.g. a dead worker) passes unchanged. */
export function fromWire(error: unknown): unknown {
	const wire = error as Partial<WireError> | null | undefined;
	if (!wire || typeof wire !== 'object' || wire.cairnWireError !== true) return error;
	const rebuilt = wire.code ? new CairnError(wire.code, wire.message ?? '') : new Error(wire.message ?? '');
	// Keep the worker's name so callers can match on it (CairnError's is read-only).
	Object.defineProperty(rebuilt, 'name', { value: wire.name ?? 'Error' });
	return rebuilt;
}

/** Runs `task`, turning a failure into a WireError (for the worker side of each call). */
export async function wired<T>(task: () => T | Promise<T>): Promise<T> {
	try {
		return await task();
	} catch (error) {
		throw toWire(error);
	}
}
