/**
 * What crosses between the page (client.ts) and the workspace worker
 * (host.ts) besides the host's methods. Kept apart from host.ts so the page
 * imports these few names without pulling the worker's code (the document,
 * y-indexeddb, the projection, the mesh) into its bundle.
 */
import type { MemberRecord } from '$lib/core/workspace';
import type { SharedWrites } from '$lib/store/shared-writes';
import type { SyncStatus } from '../mesh-types';

/** The SharedWrites methods the page may call (checked: the name arrives as a string). */
export const SHARED_WRITE_METHODS = [
	'ensureProject',
	'createRun',
	'updateRun',
	'commitMetrics',
	'createVersion',
	'changeAlias',
	'setLock',
	'deleteVersion',
	'recordUse'
] as const satisfies readonly (keyof SharedWrites)[];
export type SharedWriteMethod = (typeof SHARED_WRITE_METHODS)[number];

/** What the worker pushes to the page (Comlink proxies of the page's callbacks). */
export interface HostEvents {
	error(message: string): void;
	status(status: SyncStatus): void;
	awareness(update: Uint8Array): void;
	members(members: MemberRecord[]): void;
}

export interface HostOpenOptions {
	author: string;
	defaultSignalingUrl?: string;
	/** The page's awareness client id: both sides' awareness speak for one client. */
	clientId: number;
	/** The page's WebRTC host (webrtc-bridge.ts); absent where the page has no RTCPeerConnection. */
	webrtcPort?: MessagePort;
}

