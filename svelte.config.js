// @ts-check
import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// Pure client-side SPA: every unknown path is answered with index.html (by
		// scripts/serve.mjs and, once installed, by the service worker's navigation
		// fallback), and the router takes over from there.
		adapter: adapter({ fallback: 'index.html', strict: true }),
		// The service worker is generated and registered by @vite-pwa/sveltekit
		// (see vite.config.ts and src/lib/ui/pwa.svelte.ts), not by Kit.
		serviceWorker: { register: false },
		router: { type: 'pathname' },
		typescript: {
			// Kit's generated tsconfig lists src/ and tests/; add the other TS we own so
			// svelte-check type-checks them too. Paths are relative to .svelte-kit/.
			config(tsconfig) {
				tsconfig.include = [
					...(tsconfig.include ?? []),
					'../bench/**/*.ts',
					'../bench/**/*.mjs',
					'../scripts/**/*.mjs',
					'../peer/**/*.ts',
				];
				// bench/tmp holds scratch files (git-ignored).
				tsconfig.exclude = [...(tsconfig.exclude ?? []), '../bench/tmp/**'];
			},
		},
	},
};

export default config;
