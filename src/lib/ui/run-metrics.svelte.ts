/**
 * The metric series of one run as rune state, reloaded whenever the run record
 * says more points were committed (each flush updates the summaries' counts).
 * Sealed chunks are cached by hash in the repository, so a live reload reads
 * only the new chunks and the tail.
 */
import type { RunRecord } from '$lib/core/types';
import type { MetricRepository } from '$lib/store/metrics-repo';
import { readRunMetrics, type MetricGroup } from '$lib/store/queries';

export class RunMetrics {
	groups = $state.raw<MetricGroup[]>([]);
	loading = $state(true);
	error = $state<string>();
	#version = '';
	#sequence = 0;

	constructor(metrics: MetricRepository, run: () => RunRecord | undefined) {
		$effect(() => {
			const record = run();
			if (!record) return;
			const version = record.id + ':' + Object.values(record.summaries).map((s) => `${s.key}@${s.split}=${s.count}`).join(',');
			if (version === this.#version) return;
			this.#version = version;
			const sequence = ++this.#sequence;
			// Paired with `cairn:chart-drawn` in MetricChart: `npm run bench` measures IndexedDB → drawn chart.
			if (sequence === 1) performance.mark('cairn:metrics-read-start');
			readRunMetrics(metrics, record).then(
				(groups) => {
					// A slower older read must not overwrite a newer one.
					if (sequence !== this.#sequence) return;
					this.groups = groups;
					this.loading = false;
					this.error = undefined;
				},
				(error: unknown) => {
					if (sequence !== this.#sequence) return;
					this.error = error instanceof Error ? error.message : String(error);
					this.loading = false;
				}
			);
		});
	}
}
