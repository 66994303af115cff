/**
 * Named errors of the sync mesh. A frame that fails validation never throws out
 * of the mesh: it is dropped and its sender reported in SyncStatus.badPeers
 * (ARCHITECTURE.md principle 7); these classes carry the reason in words.
 */
import { CairnError } from '$lib/core/errors';
import type { ChunkFetchFailure } from '../mesh-types';

/** fetchChunk gave up: cancelled, aborted, or the mesh stopped before verified bytes arrived. */
export class ChunkUnavailableError extends CairnError implements ChunkFetchFailure {
	override readonly name = 'ChunkUnavailableError' as const;
	readonly hash: string;
	constructor(hash: string, why: string) {
		super(
			'chunk_unavailable',
			`Chunk ${hash.slice(0, 12)}… was not fetched: ${why}. It will be fetched again the next time it is needed while a teammate who holds it is online.`
		);
		this.hash = hash;
	}
}

/** A peer sent bytes that do not parse as a mesh frame (or a WebRTC fragment). */
export class MalformedFrameError extends CairnError {
	override readonly name: string = 'MalformedFrameError';
	/** What was wrong, without the sentence around it (for SyncStatus.badPeers). */
	readonly reason: string;
	constructor(reason: string) {
		super('malformed_frame', `A peer sent a malformed frame (${reason}); it was dropped.`);
		this.reason = reason;
	}
}
