/**
 * Dexie liveQuery as rune state — the only place the app calls liveQuery
 * (STYLE.md habit 8). liveQuery tracks the Dexie reads of its querier, not rune
 * changes, so the runes it depends on are read through an explicit `deps`
 * getter; when they change the subscription is replaced.
 */
import { liveQuery } from 'dexie';
import { untrack } from 'svelte';

export class LiveQuery<T> {
	/** Raw, not deep state: results can be 10,000 runs or typed arrays, which must not be proxied. */
	current = $state.raw<T | undefined>(undefined);
	error = $state.raw<unknown>(undefined);
	loading = $state(true);

	/**
	 * `query` gets a signal that aborts when this subscription ends (the page
	 * left, or `deps` changed): a query may abort its transaction with it, so
	 * that a read queued behind a long write is never run for nobody.
	 */
	constructor(query: (signal: AbortSignal) => Promise<T>, deps: () => unknown = () => undefined) {
		$effect(() => {
			deps();
			this.loading = true;
			const ended = new AbortController();
			const subscription = untrack(() =>
				liveQuery(() => query(ended.signal)).subscribe({
					next: (value) => {
						this.current = value;
						this.error = undefined;
						this.loading = false;
					},
					error: (error: unknown) => {
						if (ended.signal.aborted) return;
						this.error = error;
						this.loading = false;
					}
				})
			);
			return () => {
				subscription.unsubscribe();
				ended.abort();
			};
		});
	}
}
