/** The page tree's Cairn instance, set once by the root layout when the store is open. */
import { getContext, setContext } from 'svelte';
import type { Cairn } from '$lib/sdk/cairn';

const KEY = Symbol('cairn');

export function setCairn(cairn: Cairn): void {
	setContext(KEY, cairn);
}

export function useCairn(): Cairn {
	const cairn = getContext<Cairn | undefined>(KEY);
	if (!cairn) throw new Error('useCairn() called outside the root layout: the store is not open yet.');
	return cairn;
}
