/**
 * Growable column buffers for points logged but not yet flushed. `push` is the
 * SDK's hot path (run.log): three typed-array stores, no allocation until the
 * capacity doubles.
 */
import type { SeriesPoints } from '$lib/core/types';

const INITIAL_CAPACITY = 256;

export class SeriesBuffer {
	#steps = new Float64Array(INITIAL_CAPACITY);
	#times = new Float64Array(INITIAL_CAPACITY);
	#values = new Float64Array(INITIAL_CAPACITY);
	length = 0;

	push(step: number, time: number, value: number): void {
		const i = this.length;
		if (i === this.#steps.length) this.#grow();
		this.#steps[i] = step;
		this.#times[i] = time;
		this.#values[i] = value;
		this.length = i + 1;
	}

	/** Hands over the buffered points and starts empty again (keeping a similar capacity). */
	take(): SeriesPoints {
		const n = this.length;
		const out = { steps: this.#steps.subarray(0, n), times: this.#times.subarray(0, n), values: this.#values.subarray(0, n) };
		const capacity = Math.max(INITIAL_CAPACITY, this.#steps.length);
		this.#steps = new Float64Array(capacity);
		this.#times = new Float64Array(capacity);
		this.#values = new Float64Array(capacity);
		this.length = 0;
		return out;
	}

	#grow(): void {
		const size = this.#steps.length * 2;
		const grow = (old: Float64Array<ArrayBuffer>) => {
			const next = new Float64Array(size);
			next.set(old);
			return next;
		};
		this.#steps = grow(this.#steps);
		this.#times = grow(this.#times);
		this.#values = grow(this.#values);
	}
}
