/**
 * The one place the workspace UI touches the runtime workspace
 * (`Cairn.workspace`, src/lib/sync/workspace.ts) and its mesh. Everything else
 * in src/lib/ui/workspaces codes against the structural views below, which the
 * real `Workspace` and `SyncMesh` must satisfy — so a change to either shows up
 * as a type error here, and connecting them means changing only this file.
 */
import type { Awareness } from 'y-protocols/awareness';
import type { MemberRecord, WorkspaceInfo } from '$lib/core/workspace';
import type { SyncStatus } from '$lib/sync/mesh-types';
import * as sdk from '$lib/sdk';
import type { Cairn } from '$lib/sdk/cairn';

/** What the UI reads from a running mesh (mesh-types.ts's contract). */
export interface MeshView {
	readonly status: SyncStatus;
	/** Calls back on every status change; returns the unsubscribe function. */
	onStatus(callback: (status: SyncStatus) => void): () => void;
}

/** What the UI uses of an open workspace. */
export interface WorkspaceView {
	readonly info: WorkspaceInfo;
	readonly awareness: Awareness;
	readonly deviceId: string;
	/** Null until the workspace is shared or joined and sync started. */
	readonly mesh: MeshView | null;
	/**
	 * Starts the mesh if `info` (default: the info the workspace opened with) is
	 * shared; a no-op when private or already running. The Share dialog passes
	 * the registry's fresh info, since it has just marked the workspace shared.
	 */
	startSync(info?: WorkspaceInfo): Promise<unknown>;
	members(): MemberRecord[];
	/** Calls back when `mesh` appears or is replaced; returns an unsubscribe function. */
	onMeshChange(callback: () => void): () => void;
}

/** Opens the page's Cairn on `info` (the SDK keeps it as the page's shared instance, `startRun()` included). */
export function openWorkspaceCairn(info: WorkspaceInfo, author: string): Promise<Cairn> {
	// The first page draws from the projection while a large document still loads (writes wait for it).
	return sdk.getCairn({ author, workspace: info, waitForDocument: false });
}

/** The open workspace behind `cairn`. Nullable so the UI also renders against an SDK without one (tests, older builds). */
export function workspaceOf(cairn: Cairn): WorkspaceView | null {
	return cairn.workspace;
}
