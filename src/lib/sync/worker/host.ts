/**
 * The worker side of a workspace (see client.ts for the page side): runs an
 * in-process `Workspace` — Yjs document, y-indexeddb, Dexie projection, sync
 * mesh — inside the workspace worker and answers the page's calls. Pushes to
 * the page what it shows live: sync status, presence (awareness updates),
 * members, and background errors.
 */
import * as awarenessProtocol from 'y-protocols/awareness';
import { InvalidFieldError } from '$lib/core/errors';
import type { MemberRecord, WorkspaceInfo } from '$lib/core/workspace';
import { readMembers, root } from '../doc-schema';
import type { ChunkKind } from '../mesh-types';
import { BridgedWebRtc } from '../mesh/webrtc-bridge';
import { readTimings, type Timing } from '../timings';
import { Workspace } from '../workspace';
import { SHARED_WRITE_METHODS, type HostEvents, type HostOpenOptions, type SharedWriteMethod } from './api';
import { wired } from './wire-error';

/** Origin of awareness updates that came from the page (not echoed back to it). */
export const PAGE_ORIGIN = 'cairn-page';

export class WorkspaceHost {
	#workspace: Workspace | null = null;
	#events: HostEvents | null = null;

	open(info: WorkspaceInfo, options: HostOpenOptions, events: HostEvents): Promise<void> {
		return wired(async () => {
			if (this.#workspace) throw new Error('This workspace worker already holds a workspace; start a new worker for another.');
			this.#events = events;
			const port = options.webrtcPort;
			const workspace = await Workspace.open(info, {
				author: options.author,
				defaultSignalingUrl: options.defaultSignalingUrl,
				clientId: options.clientId,
				onError: (error) => void events.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error)),
				webrtcTransport: port ? (bridge) => new BridgedWebRtc(port, bridge) : undefined
			});
			this.#workspace = workspace;
			const awareness = workspace.awareness;
			awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
				if (origin === PAGE_ORIGIN) return;
				void events.awareness(awarenessProtocol.encodeAwarenessUpdate(awareness, [...added, ...updated, ...removed]));
			});
			workspace.onMeshChange((mesh) => {
				if (!mesh) return;
				mesh.onStatus((status) => void events.status(status));
				void events.status(mesh.status);
			});
		});
	}

	/** Loads the document (Workspace.ready) and reports the device id; members follow as events. */
	load(): Promise<{ deviceId: string; members: MemberRecord[] }> {
		return wired(async () => {
			const workspace = this.#open();
			await workspace.ready;
			const members = root<MemberRecord>(workspace.doc, 'members');
			members.observe(() => void this.#events?.members(readMembers(workspace.doc)));
			return { deviceId: workspace.deviceId, members: readMembers(workspace.doc) };
		});
	}

	write(method: SharedWriteMethod, args: unknown[]): Promise<unknown> {
		return wired(() => {
			if (!(SHARED_WRITE_METHODS as readonly string[]).includes(method)) throw new InvalidFieldError('shared write', `unknown method ${JSON.stringify(method)}`);
			const shared = this.#open().shared as unknown as Record<SharedWriteMethod, (...a: unknown[]) => Promise<unknown>>;
			return shared[method](...args);
		});
	}

	/** True when a mesh runs afterwards (the workspace is shared). */
	startSync(info?: WorkspaceInfo): Promise<boolean> {
		return wired(async () => (await this.#open().startSync(info)) !== null);
	}

	fetchArtifactChunk(hash: string): Promise<void> {
		return wired(() => this.#open().fetchArtifactChunk(hash));
	}

	/** Fetches a chunk into this device's store; the bytes stay in the worker. */
	fetchChunk(hash: string, kind: ChunkKind): Promise<void> {
		return wired(async () => {
			const mesh = this.#open().mesh;
			if (!mesh) throw new Error('Sync has not started in this workspace, so no peer can supply the chunk.');
			await mesh.fetchChunk(hash, kind);
		});
	}

	cancelFetch(hash: string): void {
		this.#workspace?.mesh?.cancelFetch(hash);
	}

	/** An awareness update from the page (this tab's presence). */
	applyAwareness(update: Uint8Array): void {
		const workspace = this.#workspace;
		if (workspace) awarenessProtocol.applyAwarenessUpdate(workspace.awareness, update, PAGE_ORIGIN);
	}

	timings(): Timing[] {
		return readTimings();
	}

	close(): Promise<void> {
		return wired(async () => {
			const workspace = this.#workspace;
			this.#workspace = null;
			await workspace?.close();
		});
	}

	#open(): Workspace {
		if (!this.#workspace) throw new Error('The workspace worker has no open workspace (open() first, or it was closed).');
		return this.#workspace;
	}
}
