import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import type { Server as HttpServer } from 'node:http';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { attachSignaling } from './scripts/signaling.mjs';

/**
 * The signaling relay at /signal on `vite dev` and `vite preview` too, as
 * `npm start` has it (scripts/serve.mjs), so a shared workspace syncs in dev.
 */
function signalingRelay(): Plugin {
	return {
		name: 'cairn-signaling',
		configureServer(server) {
			if (server.httpServer) attachSignaling(server.httpServer as HttpServer);
		},
		configurePreviewServer(server) {
			attachSignaling(server.httpServer as HttpServer);
		}
	};
}

/** Theme colours shared by the web manifest and src/app.html's theme-color meta. */
const THEME_COLOR = '#2f3b36';
const BACKGROUND_COLOR = '#f4f1ea';

/**
 * Workbox skips (with only a build warning) any precache candidate above this size,
 * which would silently break offline use; 2 MiB is its default and a bundled data
 * set or a worker with inlined wasm can get close, so allow more.
 */
const MAX_PRECACHE_FILE_BYTES = 8 * 1024 * 1024;

export default defineConfig({
	plugins: [
		signalingRelay(),
		sveltekit(),
		SvelteKitPWA({
			registerType: 'autoUpdate',
			// Absolute: the SPA answers deep links like /p/x, and a relative './sw.js' would resolve to /p/sw.js (HTML).
			base: '/',
			scope: '/',
			// src/lib/ui/pwa.svelte.ts registers through virtual:pwa-register.
			injectRegister: false,
			kit: {
				adapterFallback: 'index.html',
				// Precache the SPA fallback under '/', not '/index.html': some static
				// servers (vite preview) 404 on /index.html, and a failed precache
				// request means the service worker never installs.
				spa: { fallbackMapping: '/' },
			},
			workbox: {
				navigateFallback: '/',
				globPatterns: ['client/**/*.{js,mjs,css,html,svg,png,ico,webmanifest,wasm,woff2}'],
				// Any modifyURLPrefix (even empty) stops @vite-pwa/sveltekit from appending its
				// default 'prerendered/**' glob, which matches nothing in a pure SPA and makes
				// every build print a Workbox warning. URLs are still mapped by its transform.
				modifyURLPrefix: {},
				maximumFileSizeToCacheInBytes: MAX_PRECACHE_FILE_BYTES,
				cleanupOutdatedCaches: true,
				// The plugin only sets these for injectRegister 'auto'. Without clientsClaim the
				// first visit is not controlled until a reload, so going offline right after
				// the first visit would fail.
				skipWaiting: true,
				clientsClaim: true,
			},
			manifest: {
				name: 'Cairn',
				short_name: 'Cairn',
				description:
					'Local-first experiment tracker and artifact registry for ML teams. Works offline; syncs peer-to-peer.',
				theme_color: THEME_COLOR,
				background_color: BACKGROUND_COLOR,
				display: 'standalone',
				start_url: '/',
				scope: '/',
				icons: [
					{ src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
					{ src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
					{
						src: '/icons/icon-maskable-512.png',
						sizes: '512x512',
						type: 'image/png',
						purpose: 'maskable',
					},
				],
			},
		}),
	],
	test: {
		// In CI also write a JSON report, from which .ci/run prints a plain
		// "N passed, N failed" line.
		reporters: process.env.CI ? ['default', 'json'] : ['default'],
		outputFile: { json: 'test-results/vitest.json' },
		// Inline projects do not inherit this file's plugins unless they say `extends: true`;
		// `include` is set per project (never at the root: vitest's config merge
		// concatenates include arrays, so a root include would leak into every project).
		projects: [
			{
				// Node + fake-indexeddb. Inherits the sveltekit() plugin for $lib and for
				// compiling *.svelte.ts rune modules.
				extends: true,
				test: {
					name: 'unit',
					include: ['tests/unit/**/*.test.ts'],
					environment: 'node',
					setupFiles: ['tests/unit/setup.ts'],
				},
			},
			{
				// Real Chromium driven by playwright-core against the built app (build/).
				// Deliberately plain: no sveltekit plugin, so it needs no .svelte-kit/.
				test: {
					name: 'e2e',
					include: ['tests/e2e/**/*.test.ts'],
					environment: 'node',
					fileParallelism: false,
					// After the unit project, alone: Chromium competing with unit workers on a
					// 2-core machine makes timing-sensitive flows flaky.
					sequence: { groupOrder: 1 },
					testTimeout: 60_000,
					hookTimeout: 120_000,
				},
			},
		],
	},
});
