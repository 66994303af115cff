/**
 * Which workspaces are open, across every tab, window and worker of this
 * origin: each open Cairn holds a shared Web Lock named after its workspace,
 * and removing a workspace asks for it exclusively without waiting. IndexedDB
 * cannot tell: Dexie and y-indexeddb both close their connections when another
 * tab deletes the database, so a tab showing the workspace would go on with
 * its data gone instead of blocking the deletion.
 *
 * Where Web Locks do not exist (Node, the SDK's tests) there are no other tabs.
 */
function lockName(workspaceId: string): string {
	return `cairn-workspace-open:${workspaceId}`;
}

function webLocks(): LockManager | undefined {
	return (globalThis.navigator as Navigator | undefined)?.locks;
}

/** Marks the workspace open in this context until the returned function is called. */
export function holdWorkspaceOpen(workspaceId: string): () => void {
	const locks = webLocks();
	if (!locks) return () => {};
	let release!: () => void;
	const held = new Promise<void>((resolve) => (release = resolve));
	void locks.request(lockName(workspaceId), { mode: 'shared' }, () => held);
	return release;
}

/** Runs `fn` while no context has the workspace open; `false` without running it when one has. */
export async function whileWorkspaceClosed(workspaceId: string, fn: () => Promise<void>): Promise<boolean> {
	const locks = webLocks();
	if (!locks) {
		await fn();
		return true;
	}
	return locks.request(lockName(workspaceId), { mode: 'exclusive', ifAvailable: true }, async (lock) => {
		if (!lock) return false;
		await fn();
		return true;
	});
}
