import type { Transaction } from 'dexie';

/**
 * Aborts `tx` when `signal` does (a transaction already finished is left
 * alone). For live queries whose reads can wait behind a long write (a first
 * sync projecting 10,000 runs): a page left meanwhile has its reads dropped
 * instead of IndexedDB running them for nobody ahead of the next page's.
 */
export function abortWith(tx: Transaction, signal: AbortSignal | undefined): void {
	if (!signal) return;
	const abort = () => {
		if (tx.active) tx.abort();
	};
	if (signal.aborted) abort();
	else signal.addEventListener('abort', abort, { once: true });
}
