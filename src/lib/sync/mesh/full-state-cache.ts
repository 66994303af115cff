/**
 * Sync step 2 for newcomers from a cached encoding of the whole document.
 *
 * A teammate joining asks with a state vector that names none of this
 * document's clients (only, at most, its own fresh one); the answer is then
 * the whole document, which `Y.encodeStateAsUpdate` re-encodes from scratch
 * each time: ~0.4 s for a 14 MB workspace, on the path of every join. The
 * always-on peer exists to serve joins, so it keeps that encoding: built
 * right after start, rebuilt once the document has been quiet for `idleMs`
 * after a change, and at once when asked while stale. Any other state vector
 * is answered as usual.
 */
import * as Y from 'yjs';

/** Long enough that a join in progress (its member record, first edits) does not pay for a rebuild it no longer needs. */
export const FULL_STATE_IDLE_MS = 5_000;

export class FullStateCache {
	/** The whole document in V2 (what Cairn's meshes ask for) and, once someone asks, V1. */
	#full: { v1: Uint8Array | null; v2: Uint8Array } | null = null;
	#timer: ReturnType<typeof setTimeout> | null = null;

	constructor(
		private readonly doc: Y.Doc,
		private readonly idleMs = FULL_STATE_IDLE_MS
	) {
		doc.on('update', this.#invalidate);
		// A document just loaded is quiet: encode it now, not after an idle wait (a peer that has
		// just started is asked for it first).
		this.#schedule(0);
	}

	/** What sync step 2 carries for `stateVector` (the asker's, as sync step 1 sends it), in `format`. */
	readonly encode = (stateVector: Uint8Array, format: 'v1' | 'v2' = 'v2'): Uint8Array => {
		if (!this.#knowsNothingOfOurs(stateVector)) return format === 'v2' ? Y.encodeStateAsUpdateV2(this.doc, stateVector) : Y.encodeStateAsUpdate(this.doc, stateVector);
		const full = (this.#full ??= { v1: null, v2: Y.encodeStateAsUpdateV2(this.doc) });
		return format === 'v2' ? full.v2 : (full.v1 ??= Y.convertUpdateFormatV2ToV1(full.v2));
	};

	/** True while the cached encoding is current (for tests and the peer's status). */
	get warm(): boolean {
		return this.#full !== null;
	}

	destroy(): void {
		this.doc.off('update', this.#invalidate);
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
		this.#full = null;
	}

	/**
	 * For each client, the update carries our items from the asker's clock on:
	 * when every client it names is at clock 0 or unknown here, that is all of them.
	 */
	#knowsNothingOfOurs(stateVector: Uint8Array): boolean {
		for (const [client, clock] of Y.decodeStateVector(stateVector)) if (clock > 0 && Y.getState(this.doc.store, client) > 0) return false;
		return true;
	}

	readonly #invalidate = (): void => {
		this.#full = null;
		this.#schedule();
	};

	#schedule(delayMs = this.idleMs): void {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = setTimeout(() => {
			this.#timer = null;
			this.#full ??= { v1: null, v2: Y.encodeStateAsUpdateV2(this.doc) };
		}, delayMs);
	}
}
