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

	constructor(query: () => Promise<T>, deps: () => unknown = () => undefined) {
		$effect(() => {
			deps();
			this.loading = true;
			const subscription = untrack(() =>
				liveQuery(query).subscribe({
					next: (value) => {
						this.current = value;
						this.error = undefined;
						this.loading = false;
					},
					error: (error: unknown) => {
						this.error = error;
						this.loading = false;
					}
				})
			);
			return () => subscription.unsubscribe();
		});
	}
}
