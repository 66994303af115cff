/**
 * Runs async tasks one after another in the order they were queued.
 *
 * Encryption and decryption are async (WebCrypto), and two frames sealed in
 * order may finish in either order. The mesh starts the crypto at once (so it
 * runs in parallel) and queues only the await-and-deliver step here, per link
 * and peer, which keeps every link's frames in the order they were written.
 */
export class SerialQueue {
	#tail: Promise<void> = Promise.resolve();
	#pending = 0;

	/** A failing task is reported through onError and does not stop the ones after it. */
	constructor(private readonly onError: (error: unknown) => void = () => {}) {}

	enqueue(task: () => Promise<void> | void): Promise<void> {
		this.#pending++;
		const run = this.#tail.then(task).then(
			() => {
				this.#pending--;
			},
			(error: unknown) => {
				this.#pending--;
				this.onError(error);
			}
		);
		this.#tail = run;
		return run;
	}

	/** True when no task is queued or running. */
	get idle(): boolean {
		return this.#pending === 0;
	}

	/** Resolves once everything queued so far has run. */
	drained(): Promise<void> {
		return this.#tail;
	}
}

/** Settles a promise into a value-or-error pair now, so a later await never meets an unhandled rejection. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
	return promise.then(
		(value) => ({ ok: true as const, value }),
		(error: unknown) => ({ ok: false as const, error })
	);
}
