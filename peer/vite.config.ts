/**
 * Builds the always-on peer (peer/main.ts) into one Node ES module,
 * peer-dist/cairn-peer.mjs, for `npm run peer` and the `cairn-peer` bin.
 *
 * SSR/library mode: $lib/... (TypeScript from src/lib) is bundled; every
 * package stays an import resolved from node_modules at run time — above all
 * yjs, which must exist once per process (a second copy breaks instanceof
 * checks and Yjs warns "Yjs was already imported"), and ws, y-protocols, lib0.
 */
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Bare package specifiers (and node builtins): anything that is not relative, absolute or $lib. */
export function isExternal(id: string): boolean {
	if (id.startsWith('node:') || builtinModules.includes(id)) return true;
	return !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('$lib') && !id.startsWith('\0');
}

export default defineConfig({
	root: ROOT,
	// No static/ copying and no .env loading: this is not the web app.
	publicDir: false,
	envDir: false,
	resolve: {
		alias: { $lib: join(ROOT, 'src', 'lib') },
	},
	build: {
		ssr: 'peer/main.ts',
		outDir: 'peer-dist',
		emptyOutDir: true,
		target: 'node20',
		minify: false,
		sourcemap: true,
		rolldownOptions: {
			external: isExternal,
			output: {
				format: 'es',
				entryFileNames: 'cairn-peer.mjs',
				banner: '#!/usr/bin/env node',
			},
		},
	},
});
