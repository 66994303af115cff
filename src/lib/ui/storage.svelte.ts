/**
 * Storage used/quota and the persistent-storage grant, as rune state. Without
 * persistence the browser may evict a workspace under storage pressure, so the
 * app asks once and shows the answer.
 */
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
