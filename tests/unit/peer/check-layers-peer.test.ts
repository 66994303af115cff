/** scripts/check-layers.mjs treats peer/ as a layer on top of sync and core. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';

const SCRIPT = resolve('scripts/check-layers.mjs');
const roots: string[] = [];

afterEach(() => {
	for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function check(files: Record<string, string>): { ok: boolean; output: string } {
	const root = mkdtempSync(join(tmpdir(), 'cairn-layers-peer-'));
	roots.push(root);
	for (const [path, source] of Object.entries(files)) {
		mkdirSync(dirname(join(root, path)), { recursive: true });
		writeFileSync(join(root, path), source);
	}
	try {
		return { ok: true, output: execFileSync(process.execPath, [SCRIPT, root], { encoding: 'utf8', stdio: 'pipe' }) };
	} catch (error) {
		const failed = error as { stdout: string; stderr: string };
		return { ok: false, output: failed.stdout + failed.stderr };
	}
}

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
