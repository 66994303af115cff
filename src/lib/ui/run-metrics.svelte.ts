/**
 * The metric series of one run as rune state, reloaded whenever the run record
 * says more points were committed (each flush updates the summaries' counts).
 * Sealed chunks are cached by hash in the repository, so a live reload reads
 * only the new chunks and the tail.
 *
 * The first load of a run draws from the chunk envelopes (read with the chunk
 * index, a fraction of the bytes), then replaces them with every point;
 * `complete` tells views that need every point (raw table, CSV) when to show.
 */
import { errorMessage } from '$lib/ui/error-message';
import type { RunRecord } from '$lib/core/types';
import type { MetricRepository } from '$lib/store/metrics-repo';
import { readRunMetrics, type MetricGroup } from '$lib/store/queries';

export class RunMetrics {
	groups = $state.raw<MetricGroup[]>([]);
	loading = $state(true);
	complete = $state(false);
	error = $state<string>();
	#version = '';
	#sequence = 0;

	constructor(metrics: MetricRepository, run: () => RunRecord | undefined) {
		$effect(() => {
			const record = run();
			if (!record) return;
			const version = record.id + ':' + Object.values(record.summaries).map((s) => `${s.key}@${s.split}=${s.count}`).join(',');
			if (version === this.#version) return;
			const firstOfRun = !this.#version.startsWith(record.id + ':');
			this.#version = version;
			const sequence = ++this.#sequence;
			if (firstOfRun) {
				// Paired with `cairn:chart-drawn` in MetricChart: `npm run bench` measures IndexedDB → drawn chart.
				if (sequence === 1) performance.mark('cairn:metrics-read-start');
				this.complete = false;
				void this.#load(metrics, record, sequence, true).then((complete) => {
					if (complete === false) return this.#load(metrics, record, sequence, false);
				});
			} else {
				void this.#load(metrics, record, sequence, false);
			}
		});
	}

	/** Resolves whether the loaded data is complete, or null when superseded or failed. */
	async #load(metrics: MetricRepository, record: RunRecord, sequence: number, overview: boolean): Promise<boolean | null> {
		try {
			const { groups, complete } = await readRunMetrics(metrics, record, overview);
			// A slower older read must not overwrite a newer one.
			if (sequence !== this.#sequence) return null;
			this.groups = groups;
			this.complete = complete;
			this.loading = false;
			this.error = undefined;
			return complete;
		} catch (error) {
			if (sequence !== this.#sequence) return null;
			this.error = errorMessage(error);
			this.loading = false;
			return null;
		}
	}
}
