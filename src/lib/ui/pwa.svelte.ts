/**
 * Service worker registration and its state as runes.
 *
 * The worker itself is generated at build time by @vite-pwa/sveltekit (Workbox
 * `generateSW`, see vite.config.ts): it precaches the app shell and answers every
 * navigation with the SPA fallback, which is what makes Cairn open offline and
 * after a browser restart with no server at all. `registerType: 'autoUpdate'`
 * means a new build activates on its own and reloads open tabs, so `needRefresh`
 * only turns true if that flow is ever switched to 'prompt'.
 *
 * In `vite dev` the virtual module is a no-op (no service worker in development).
 */
import { errorMessage } from '$lib/ui/error-message';
import { registerSW } from 'virtual:pwa-register';

export class PwaStatus {
	#offlineReady = $state(false);
	#needRefresh = $state(false);
	#registered = $state(false);
	#error = $state<string | undefined>(undefined);
	#updateServiceWorker: ((reloadPage?: boolean) => Promise<void>) | undefined;

	/** True once every app-shell file is cached: the app now opens without a network. */
	get offlineReady(): boolean {
		return this.#offlineReady;
	}

	/** True when a newer build is waiting (only in 'prompt' mode); call `update()`. */
	get needRefresh(): boolean {
		return this.#needRefresh;
	}

	/** True once the browser accepted the service worker registration. */
	get registered(): boolean {
		return this.#registered;
	}

	/** Why registration failed, if it did (the app still works online). */
	get error(): string | undefined {
		return this.#error;
	}

	/** Registers the service worker. Called once, by `registerPwa()`. */
	start(): void {
		if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
		this.#updateServiceWorker = registerSW({
			immediate: true,
			onOfflineReady: () => {
				this.#offlineReady = true;
			},
			onNeedRefresh: () => {
				this.#needRefresh = true;
			},
			onRegisteredSW: (_url, registration) => {
				this.#registered = registration !== undefined;
			},
			onRegisterError: (error: unknown) => {
				// With a controlling worker this is only a failed update check (offline,
				// server gone): the installed app keeps working, so it is not an error.
				if (navigator.serviceWorker.controller) return;
				this.#error = errorMessage(error);
			},
		});
	}

	/** Activates a waiting service worker and reloads the page onto the new build. */
	async update(): Promise<void> {
		this.#needRefresh = false;
		await this.#updateServiceWorker?.(true);
	}

	/** Hides the "offline ready" / "update available" notice without acting on it. */
	dismiss(): void {
		this.#offlineReady = false;
		this.#needRefresh = false;
	}
}

let instance: PwaStatus | undefined;

/**
 * Registers the service worker (first call only) and returns the shared status.
 * Call from the root +layout.svelte; later calls return the same object.
 */
export function registerPwa(): PwaStatus {
	if (!instance) {
		instance = new PwaStatus();
		instance.start();
	}
	return instance;
}
