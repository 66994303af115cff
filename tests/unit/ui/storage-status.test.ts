import Dexie from 'dexie';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StorageStatus } from '$lib/ui/storage.svelte';

afterEach(() => {
	vi.useRealTimers();
	vi.unstubAllGlobals();
});

describe('StorageStatus.watch', () => {
	it('refreshes after IndexedDB writes commit, at most once per interval, the last write included', async () => {
		vi.useFakeTimers();
		let usage = 0;
		const estimate = vi.fn(async () => ({ usage, quota: 1000 }));
		vi.stubGlobal('navigator', { storage: { estimate, persisted: async () => false } });
		const status = new StorageStatus();
		const unwatch = status.watch(2000);
		const write = () => Dexie.on('storagemutated').fire({});

		usage = 10;
		write();
		await vi.advanceTimersByTimeAsync(0);
		expect(estimate).toHaveBeenCalledTimes(1);
		expect(status.usage).toBe(10);

		// A burst of writes within the interval: one refresh at its end, seeing the last.
		for (let i = 0; i < 50; i++) write();
		usage = 20;
		await vi.advanceTimersByTimeAsync(1999);
		expect(estimate).toHaveBeenCalledTimes(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(estimate).toHaveBeenCalledTimes(2);
		expect(status.usage).toBe(20);

		// Unsubscribed: writes no longer refresh.
		unwatch();
		write();
		await vi.advanceTimersByTimeAsync(5000);
		expect(estimate).toHaveBeenCalledTimes(2);
	});
});
