/** scripts/check-layers.mjs against small fixture trees written to a temp dir. */
import { describe, expect, test } from 'vitest';
import { checkLayers as check } from './layers-fixture';

describe('check-layers', () => {
	test('accepts downward imports, packages, workers and commented-out code', () => {
		const result = check({
			'src/lib/core/a.ts': "export const a = 1;\n// import { db } from '$lib/store/db';\n",
			'src/lib/store/db.ts': "import Dexie from 'dexie';\nimport { a } from '../core/a';\nexport const db = [Dexie, a];\n",
			'src/lib/ui/Table.svelte': "<script lang=\"ts\">\n\timport { db } from '$lib/store/db';\n</script>\n",
			'src/lib/demo/run.ts': "const w = new Worker(new URL('../workers/train.worker.ts', import.meta.url));\nexport { w };\n",
			'src/lib/workers/train.worker.ts': "import { a } from '$lib/core/a';\nexport const t = a;\n",
			'src/routes/+page.svelte': "<script lang=\"ts\">\n\timport Table from '$lib/ui/Table.svelte';\n</script>\n",
		});
		expect(result.output).toContain('check-layers: OK');
		expect(result.ok).toBe(true);
	});

	test('rejects an upward import, naming file, line and specifier', () => {
		const result = check({
			'src/lib/core/a.ts': "\nimport { db } from '$lib/store/db';\nexport const a = db;\n",
			'src/lib/store/db.ts': 'export const db = 1;\n',
		});
		expect(result.ok).toBe(false);
		expect(result.output).toContain("src/lib/core/a.ts:2: core may not import from store ('$lib/store/db')");
	});

	test('rejects environment packages and globals in core, ignoring strings and comments', () => {
		const result = check({
			'src/lib/core/env.ts': [
				"import { liveQuery } from 'dexie';",
				"import * as Y from 'yjs';",
				"const msg = 'fetch failed'; // window",
				'export const go = () => fetch(msg);',
				'export interface Env { fetch: typeof globalThis.fetch }',
				'export const x = [liveQuery, Y];',
			].join('\n'),
		});
		expect(result.ok).toBe(false);
		expect(result.output).toContain("src/lib/core/env.ts:1: core imports 'dexie'");
		expect(result.output).toContain("src/lib/core/env.ts:2: core imports 'yjs'");
		expect(result.output).toContain("src/lib/core/env.ts:4: core uses 'fetch'");
		expect(result.output).toContain("src/lib/core/env.ts:5: core uses 'fetch'");
		expect(result.output).not.toContain('env.ts:3');
	});

	test('rejects import cycles but not type-only ones', () => {
		const cyclic = check({
			'src/lib/store/a.ts': "import { b } from './b';\nexport const a = b;\n",
			'src/lib/store/b.ts': "import { c } from './c';\nexport const b = c;\n",
			'src/lib/store/c.ts': "import { a } from './a';\nexport const c = () => a;\n",
		});
		expect(cyclic.ok).toBe(false);
		expect(cyclic.output).toContain(
			'import cycle: src/lib/store/a.ts → src/lib/store/b.ts → src/lib/store/c.ts → src/lib/store/a.ts',
		);

		const typeOnly = check({
			'src/lib/store/a.ts': "import type { B } from './b';\nexport type A = { b?: B };\n",
			'src/lib/store/b.ts': "import type { A } from './a';\nexport type B = { a?: A };\n",
		});
		expect(typeOnly.ok).toBe(true);
	});

	test('rejects folders that are not a known layer', () => {
		const result = check({ 'src/lib/misc/x.ts': 'export const x = 1;\n' });
		expect(result.ok).toBe(false);
		expect(result.output).toContain('folder "misc" is not a known layer');
	});
});
