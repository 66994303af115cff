/**
 * Workspaces: each is one Yjs document (shared team state) plus one Dexie
 * database (its projection and content-addressed chunks), with its own room id,
 * AES-GCM key and members. The list of workspaces a device knows is local data
 * (store/workspace-registry.ts); the key leaves the device only inside a share
 * link's URL fragment.
 */
import { InvalidFieldError } from './errors';

/** The workspace every device starts with; it keeps the foundation's database name so existing data stays. */
export const PERSONAL_WORKSPACE_ID = 'personal';
export const PERSONAL_DB_NAME = 'cairn';

export interface WorkspaceInfo {
	/** 'personal', or the share link's room id (base64url) so every member names it the same. */
	id: string;
	name: string;
	/** Dexie database holding this workspace's projection and chunks. */
	dbName: string;
	/** Room id and AES-GCM key, base64url (share-link.ts). */
	roomId: string;
	key: string;
	/** ws:// or wss:// signaling/relay servers; empty means "this origin's /signal". */
	signalingUrls: string[];
	/** Sync runs only once the workspace was shared or joined: a private workspace never touches the network. */
	shared: boolean;
	createdAt: number;
}

/** A member as recorded in the shared document: who made changes (principle 8). */
export interface MemberRecord {
	deviceId: string;
	name: string;
	joinedAt: number;
}

const MAX_WORKSPACE_NAME = 80;

export function validateWorkspaceName(name: unknown): string {
	if (typeof name !== 'string' || name.trim().length === 0)
		throw new InvalidFieldError('workspace name', 'give the workspace a name, e.g. "Churn team"');
	const trimmed = name.trim();
	if (trimmed.length > MAX_WORKSPACE_NAME)
		throw new InvalidFieldError('workspace name', `it is ${trimmed.length} characters; keep it under ${MAX_WORKSPACE_NAME}`);
	if (/\p{Cc}/u.test(trimmed)) throw new InvalidFieldError('workspace name', 'remove control characters');
	return trimmed;
}

export function validateSignalingUrl(url: unknown): string {
	if (typeof url !== 'string') throw new InvalidFieldError('signaling URL', 'expected a ws:// or wss:// URL');
	let parsed: URL;
	try {
		parsed = new URL(url.trim());
	} catch {
		throw new InvalidFieldError('signaling URL', `"${url}" is not a URL; expected e.g. wss://signal.example.org/signal`);
	}
	if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:')
		throw new InvalidFieldError('signaling URL', `"${url}" must start with ws:// or wss://`);
	if (parsed.hash) throw new InvalidFieldError('signaling URL', 'remove the #fragment: secrets never go to a server');
	return parsed.toString();
}
