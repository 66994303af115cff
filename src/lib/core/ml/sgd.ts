/**
 * Mini-batch SGD with heavy-ball momentum and L2 weight decay, in the form
 * PyTorch's torch.optim.SGD uses: g ← grad + l2·w (weights only),
 * v ← momentum·v + g, w ← w − lr·v. With momentum 0 it is plain SGD.
 */
import type { ParamTensor } from './model';

export interface SgdOptions {
	lr: number;
	momentum: number;
	l2: number;
}

export interface Sgd {
	/** Applies one update from `grads` (already averaged over the batch). */
	step(grads: readonly Float64Array[]): void;
}

export function createSgd(params: readonly ParamTensor[], { lr, momentum, l2 }: SgdOptions): Sgd {
	const velocity = params.map((p) => new Float64Array(p.values.length));
	return {
		step(grads) {
			params.forEach((param, t) => {
				const w = param.values;
				const g = grads[t]!;
				const v = velocity[t]!;
				const decay = param.decay ? l2 : 0;
				for (let i = 0; i < w.length; i++) {
					v[i] = momentum * v[i]! + g[i]! + decay * w[i]!;
					w[i]! -= lr * v[i]!;
				}
			});
		}
	};
}
