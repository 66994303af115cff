/**
 * Builds bench/sync-seed.ts (the team-sync benchmark's workspace seeder) into
 * one Node ES module, bench/tmp/sync-seed/sync-seed.mjs, the way
 * peer/vite.config.ts builds the peer: $lib TypeScript is bundled, packages
 * (yjs above all: one copy per process) stay imports from node_modules.
 * bench/sync.mjs runs this build itself (well under a second).
 *
 * CAIRN_SEED_ROOT builds from another copy of the sources (bench/sync.mjs puts a
 * `git archive` of BENCH_SYNC_SEED_REV there) so the seeded document matches a
 * build/ made from that revision; the output stays in this repository's bench/tmp.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { isExternal } from '../peer/vite.config';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const ROOT = process.env.CAIRN_SEED_ROOT ?? REPO;

export default defineConfig({
	root: ROOT,
	publicDir: false,
	envDir: false,
	logLevel: 'error',
	resolve: {
		alias: { $lib: join(ROOT, 'src', 'lib') },
	},
	build: {
		ssr: 'bench/sync-seed.ts',
		outDir: join(REPO, 'bench', 'tmp', 'sync-seed'),
		emptyOutDir: true,
		target: 'node20',
		minify: false,
		rolldownOptions: {
			external: isExternal,
			output: { format: 'es', entryFileNames: 'sync-seed.mjs' },
		},
	},
});
