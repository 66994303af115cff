/**
 * Storage used/quota and the persistent-storage grant, as rune state. Without
 * persistence the browser may evict a workspace under storage pressure, so the
 * app asks once and shows the answer.
 */
import Dexie from 'dexie';

export class StorageStatus {
	usage = $state<number | null>(null);
	quota = $state<number | null>(null);
	persisted = $state<boolean | null>(null);

	async refresh(): Promise<void> {
		const storage = globalThis.navigator?.storage;
		if (!storage) return;
		const [estimate, persisted] = await Promise.all([storage.estimate(), storage.persisted?.() ?? Promise.resolve(false)]);
		this.usage = estimate.usage ?? null;
		this.quota = estimate.quota ?? null;
		this.persisted = persisted;
	}

	/**
	 * Refreshes after IndexedDB writes commit anywhere in this origin — this
	 * page, other tabs, the ingest and workspace workers (Dexie's
	 * `storagemutated`) — at most once per `everyMs`, the last write included:
	 * a finished upload shows in the meter within seconds, not at the next
	 * periodic refresh. Returns the unsubscribe.
	 */
	watch(everyMs = 2000): () => void {
		let timer: ReturnType<typeof setTimeout> | undefined;
		let last = -Infinity;
		const onWrite = () => {
			if (timer !== undefined) return;
			timer = setTimeout(
				() => {
					timer = undefined;
					last = Date.now();
					void this.refresh();
				},
				Math.max(0, last + everyMs - Date.now())
			);
		};
		Dexie.on('storagemutated', onWrite);
		return () => {
			Dexie.on('storagemutated').unsubscribe(onWrite);
			clearTimeout(timer);
		};
	}

	async requestPersistence(): Promise<boolean> {
		const granted = (await globalThis.navigator?.storage?.persist?.()) ?? false;
		this.persisted = granted;
		return granted;
	}
}

export function formatBytes(bytes: number): string {
	const units = ['B', 'KB', 'MB', 'GB', 'TB'];
	let value = bytes;
	let unit = 0;
	while (value >= 1000 && unit < units.length - 1) {
		value /= 1000;
		unit++;
	}
	return `${value < 10 && unit > 0 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
