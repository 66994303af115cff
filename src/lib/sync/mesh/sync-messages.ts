/**
 * The Yjs sync messages the mesh carries in its `sync` frames: y-protocols'
 * step 1, step 2 and update, plus our V2 pair (protocol.ts SYNC_STEP1_V2 /
 * SYNC_STEP2_V2), which a newcomer uses so the whole document comes in Yjs's
 * smaller, faster-to-apply V2 encoding. Kept apart from sync-mesh.ts: these
 * are functions of a document and bytes, the mesh only routes them.
 */
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import type { SyncMeshOptions } from '../mesh-types';
import { startTiming } from '../timings';
import { SYNC_STEP1_V2, SYNC_STEP2_V2 } from './protocol';

/** Sync step 1 asking for the answer in V2 (what the mesh sends every new peer). */
export function syncStep1V2(doc: Y.Doc): Uint8Array<ArrayBuffer> {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, SYNC_STEP1_V2);
	encoding.writeVarUint8Array(encoder, Y.encodeStateVector(doc));
	return encoding.toUint8Array(encoder) as Uint8Array<ArrayBuffer>;
}

/** A y-protocols update message (what the mesh sends for every local change). */
export function syncUpdate(update: Uint8Array): Uint8Array<ArrayBuffer> {
	const encoder = encoding.createEncoder();
	syncProtocol.writeUpdate(encoder, update);
	return encoding.toUint8Array(encoder) as Uint8Array<ArrayBuffer>;
}

export interface SyncAnswer {
	/** y-protocols' type of what arrived: step 1 (V1 or V2), step 2 (V1 or V2), update. */
	type: typeof syncProtocol.messageYjsSyncStep1 | typeof syncProtocol.messageYjsSyncStep2 | typeof syncProtocol.messageYjsUpdate;
	/** What to send back (step 2 for a step 1), or null. */
	reply: Uint8Array<ArrayBuffer> | null;
}

/**
 * Applies one sync message to `doc` with `origin`, and says what to answer.
 * Step 1 is answered here rather than by y-protocols when asked in V2, or when
 * the host has its own encoding (`encodeState`: the always-on peer's cache).
 * Throws when the message does not parse or its update does not apply.
 */
export function readSyncMessage(doc: Y.Doc, message: Uint8Array<ArrayBuffer>, origin: unknown, encodeState: SyncMeshOptions['encodeStateAsUpdate'] | null): SyncAnswer {
	const decoder = decoding.createDecoder(message);
	const reply = encoding.createEncoder();
	const first = message[0];
	let type: SyncAnswer['type'];
	if (first === SYNC_STEP1_V2 || (first === syncProtocol.messageYjsSyncStep1 && encodeState)) {
		const v2 = decoding.readVarUint(decoder) === SYNC_STEP1_V2;
		const stateVector = decoding.readVarUint8Array(decoder);
		encoding.writeVarUint(reply, v2 ? SYNC_STEP2_V2 : syncProtocol.messageYjsSyncStep2);
		encoding.writeVarUint8Array(reply, encodeState ? encodeState(stateVector, v2 ? 'v2' : 'v1') : Y.encodeStateAsUpdateV2(doc, stateVector));
		type = syncProtocol.messageYjsSyncStep1;
	} else if (first === SYNC_STEP2_V2) {
		decoding.readVarUint(decoder);
		const update = decoding.readVarUint8Array(decoder);
		const done = startTiming('sync: apply first sync (V2)');
		Y.applyUpdateV2(doc, update, origin);
		done({ bytes: update.byteLength });
		type = syncProtocol.messageYjsSyncStep2;
	} else {
		type = syncProtocol.readSyncMessage(decoder, reply, doc, origin, (error) => {
			// Rethrown so the caller reports it instead of y-protocols only logging it.
			throw error;
		}) as SyncAnswer['type'];
	}
	return { type, reply: encoding.length(reply) > 0 ? (encoding.toUint8Array(reply) as Uint8Array<ArrayBuffer>) : null };
}
