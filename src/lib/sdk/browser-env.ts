/**
 * What the browser can tell about the machine a run is logged on. Every probe is
 * optional and bounded in time: a missing API or a slow WebGPU adapter request
 * must never delay startRun by more than WEBGPU_TIMEOUT_MS.
 */
import type { BrowserEnv } from '$lib/core/types';
import { version } from '../../../package.json';

export const APP_VERSION: string = version;
/** requestAdapter can hang on machines with broken GPU drivers; a run must start anyway. */
const WEBGPU_TIMEOUT_MS = 300;

interface NavigatorLike {
	userAgent?: string;
	hardwareConcurrency?: number;
	deviceMemory?: number;
	gpu?: { requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string; description?: string } } | null> };
}

async function webgpuAdapter(nav: NavigatorLike): Promise<string | undefined> {
	if (!nav.gpu) return undefined;
	const timeout = new Promise<undefined>((resolve) => setTimeout(resolve, WEBGPU_TIMEOUT_MS, undefined));
	try {
		const adapter = await Promise.race([nav.gpu.requestAdapter(), timeout]);
		if (!adapter) return undefined;
		const info = adapter.info ?? {};
		return [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'available';
	} catch {
		return undefined;
	}
}

let cached: Promise<BrowserEnv> | null = null;

/** Captured once per page: none of it changes while the page lives. */
export function captureBrowserEnv(): Promise<BrowserEnv> {
	cached ??= (async () => {
		const nav = (globalThis.navigator ?? {}) as NavigatorLike;
		const env: BrowserEnv = { appVersion: APP_VERSION };
		if (nav.userAgent) env.userAgent = nav.userAgent;
		if (typeof nav.hardwareConcurrency === 'number') env.hardwareConcurrency = nav.hardwareConcurrency;
		if (typeof nav.deviceMemory === 'number') env.deviceMemoryGiB = nav.deviceMemory;
		const gpu = await webgpuAdapter(nav);
		if (gpu) env.webgpuAdapter = gpu;
		try {
			env.timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
		} catch {
			// Intl without time zone data: leave it out.
		}
		return env;
	})();
	return cached;
}
