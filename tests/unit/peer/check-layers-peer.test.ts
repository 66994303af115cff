/** scripts/check-layers.mjs treats peer/ as a layer on top of sync and core. */
import { describe, expect, test } from 'vitest';
import { checkLayers as check } from '../scripts/layers-fixture';

const LIB = {
	'src/lib/core/a.ts': 'export const a = 1;\n',
	'src/lib/store/db.ts': "import { a } from '$lib/core/a';\nexport const db = a;\n",
	'src/lib/sync/mesh.ts': "import { a } from '$lib/core/a';\nexport const mesh = a;\n",
};

describe('check-layers on peer/', () => {
	test('peer may import sync, core and itself', () => {
		const result = check({
			...LIB,
			'peer/main.ts': "import { mesh } from '$lib/sync/mesh';\nimport { a } from '$lib/core/a';\nimport { d } from './disk';\nimport { readFile } from 'node:fs/promises';\nexport const m = [mesh, a, d, readFile];\n",
			'peer/disk.ts': 'export const d = 1;\n',
		});
		expect(result.output).toContain('check-layers: OK');
		expect(result.ok).toBe(true);
	});

	test('peer may not import the browser store, and src/lib may not import peer', () => {
		const result = check({
			...LIB,
			'peer/main.ts': "\nimport { db } from '$lib/store/db';\nexport const m = db;\n",
			'src/lib/sync/bad.ts': "import { m } from '../../../peer/main';\nexport const b = m;\n",
		});
		expect(result.ok).toBe(false);
		expect(result.output).toContain("peer/main.ts:2: peer may not import from store ('$lib/store/db')");
		expect(result.output).toContain('src/lib/sync/bad.ts:1: sync may not import from peer');
	});
});
