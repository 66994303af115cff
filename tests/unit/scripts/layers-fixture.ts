/** Runs scripts/check-layers.mjs on small fixture trees written to temp dirs (shared by the layer tests). */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach } from 'vitest';

const SCRIPT = resolve('scripts/check-layers.mjs');
const roots: string[] = [];

afterEach(() => {
	for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** Writes `files` (path → source) under a fresh root and runs the checker on it. */
export function checkLayers(files: Record<string, string>): { ok: boolean; output: string } {
	const root = mkdtempSync(join(tmpdir(), 'cairn-layers-'));
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
