/**
 * What the training loop needs from a model. Parameters are flat Float64Arrays
 * that the optimiser updates in place; models keep private scratch buffers, so
 * one instance must not be used from two loops at once.
 */

export interface ParamTensor {
	/** For messages and debugging, e.g. "W1". */
	name: string;
	values: Float64Array;
	/** Whether L2 applies (weights yes, biases no). */
	decay: boolean;
}

export interface Model {
	readonly inputSize: number;
	readonly classCount: number;
	readonly params: readonly ParamTensor[];
	/** Writes the class logits of the sample at `x[offset .. offset+inputSize)` into `out`. */
	logits(x: Float64Array, offset: number, out: Float64Array): void;
	/**
	 * Adds the gradient of this sample's cross-entropy to `grads` (parallel to
	 * `params`, same lengths) and returns the loss.
	 */
	accumulateGradient(x: Float64Array, offset: number, label: number, grads: readonly Float64Array[]): number;
}
