/**
 * A small, capped record of how long the sync layer's heavy steps took (a
 * first sync applied, projection flushes), kept where they run — in the app,
 * the workspace worker — and read by the page through WorkspaceHandle.timings
 * (the benchmarks put them in their JSON; a person can read them in the
 * console with `(await cairn.getCairn()).workspace.timings()`).
 */
export interface Timing {
	name: string;
	/** Epoch ms when the step began. */
	at: number;
	ms: number;
	detail?: Record<string, number>;
}

/** Enough for a join's story; old entries drop off, so a long session does not grow it. */
const MAX_TIMINGS = 200;
const timings: Timing[] = [];

/** Starts timing a step; call the returned function when it ends. */
export function startTiming(name: string): (detail?: Record<string, number>) => void {
	const at = Date.now();
	const t0 = performance.now();
	return (detail) => {
		timings.push({ name, at, ms: Math.round((performance.now() - t0) * 10) / 10, ...(detail ? { detail } : {}) });
		if (timings.length > MAX_TIMINGS) timings.splice(0, timings.length - MAX_TIMINGS);
	};
}

export function readTimings(): Timing[] {
	return timings.map((t) => ({ ...t }));
}
