/**
 * What the app does before it opens a workspace: open the registry, make sure
 * the personal workspace exists, and look at the URL fragment for a join link.
 * A join link's fragment is removed from the address bar as soon as it is
 * read — before the user even confirms — so the key does not linger there (or
 * in a screenshot, or a bookmark); the parsed secret lives on in memory only.
 */
import { errorMessage } from '$lib/ui/error-message';
import type { WorkspaceInfo } from '$lib/core/workspace';
import { WorkspaceRegistry } from '$lib/store/workspace-registry';
import { isJoinFragment, newWorkspaceSecret, secretFromLink, type WorkspaceSecret } from '$lib/sync/workspace-secrets';

interface Booted {
	registry: WorkspaceRegistry;
	/** The workspace the app opens when not joining. */
	current: WorkspaceInfo;
}

export type Boot =
	| (Booted & { kind: 'open' })
	/** A well-formed join link: ask before joining. `known` is set when this device has the workspace already. */
	| (Booted & { kind: 'join'; secret: WorkspaceSecret; known: WorkspaceInfo | undefined })
	/** A malformed join link: show why (InvalidShareLinkError's message) and offer the way back. */
	| (Booted & { kind: 'bad-link'; message: string });

export interface BootEnv {
	/** The page URL (location.href), fragment included. */
	href: string;
	/** Removes the fragment from the address bar. */
	clearFragment: () => void;
	now?: number;
	registryName?: string;
}

/**
 * Replaces the URL without its fragment. Native history.replaceState with
 * SvelteKit's own history.state keeps the router's bookkeeping intact; Kit's
 * replaceState (shallow routing) would store the old URL, key included, in
 * history.state.
 */
export function clearLocationFragment(): void {
	history.replaceState(history.state, '', location.pathname + location.search);
}

export async function bootWorkspaces(env: BootEnv): Promise<Boot> {
	const registry = await WorkspaceRegistry.open(env.registryName);
	const now = env.now ?? Date.now();
	await registry.ensurePersonal(now, newWorkspaceSecret());
	const current = await registry.current();
	if (!current) throw new Error('The workspace list lost its personal workspace while Cairn started; reload to recreate it.');

	const hash = new URL(env.href).hash;
	if (!isJoinFragment(hash)) return { kind: 'open', registry, current };
	env.clearFragment();
	try {
		const secret = secretFromLink(env.href);
		const known = (await registry.list()).find((w) => w.roomId === secret.roomId);
		return { kind: 'join', registry, current, secret, known };
	} catch (error) {
		return { kind: 'bad-link', registry, current, message: errorMessage(error) };
	}
}

/**
 * Makes `id` the current workspace and reloads the app on it. A full reload is
 * the simplest robust switch: every repository, liveQuery, Yjs provider, worker
 * pool and the mesh is bound to one workspace's databases, and a fresh page
 * reopens all of them on the new one with no half-switched state. Other open
 * tabs stay on the workspace they show until they reload.
 */
export async function switchWorkspace(registry: WorkspaceRegistry, id: string): Promise<void> {
	await registry.setCurrent(id);
	location.assign('/');
}
