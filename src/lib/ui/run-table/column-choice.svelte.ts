/**
 * Which param and metric columns a project's run table shows, remembered per
 * project in localStorage. Until the user picks, a few are chosen: the first
 * params and the validation metrics (what people compare runs by).
 */
import { parseSeriesId } from '$lib/core/metric-chunks';

const DEFAULT_PARAMS = 5;
const DEFAULT_METRICS = 4;

export class ColumnChoice {
	params = $state<string[] | null>(null);
	metrics = $state<string[] | null>(null);
	readonly #storageKey: string;

	constructor(projectId: string) {
		this.#storageKey = `cairn.columns.${projectId}`;
		try {
			const saved = JSON.parse(globalThis.localStorage?.getItem(this.#storageKey) ?? 'null') as { params?: unknown; metrics?: unknown } | null;
			if (Array.isArray(saved?.params)) this.params = saved.params.filter((x): x is string => typeof x === 'string');
			if (Array.isArray(saved?.metrics)) this.metrics = saved.metrics.filter((x): x is string => typeof x === 'string');
		} catch {
			// Unreadable preference: fall back to defaults.
		}
	}

	/** `varying`: params whose value differs between runs, preferred by default. */
	resolve(available: { params: string[]; metrics: string[] }, varying: string[]): { params: string[]; metrics: string[] } {
		const preferred = [...available.metrics].sort((a, b) => Number(parseSeriesId(b).split === 'val') - Number(parseSeriesId(a).split === 'val'));
		const params = [...varying, ...available.params.filter((p) => !varying.includes(p))];
		return {
			params: this.params ?? params.slice(0, DEFAULT_PARAMS),
			metrics: this.metrics ?? preferred.slice(0, DEFAULT_METRICS)
		};
	}

	save(params: string[], metrics: string[]): void {
		this.params = params;
		this.metrics = metrics;
		try {
			globalThis.localStorage?.setItem(this.#storageKey, JSON.stringify({ params, metrics }));
		} catch {
			// Storage blocked: the choice lasts for this page.
		}
	}
}
