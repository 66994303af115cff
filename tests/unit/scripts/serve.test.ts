/** scripts/serve.mjs on a small temp site: SPA fallback, types, caching, traversal. */
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseServeArgs, startServer, type RunningServer } from '../../../scripts/serve.mjs';

let root: string;
let running: RunningServer;

beforeAll(async () => {
	root = mkdtempSync(join(tmpdir(), 'cairn-serve-'));
	mkdirSync(join(root, '_app', 'immutable'), { recursive: true });
	writeFileSync(join(root, 'index.html'), '<!doctype html><title>Cairn</title>');
	writeFileSync(join(root, 'sw.js'), 'self;');
	writeFileSync(join(root, 'manifest.webmanifest'), '{}');
	writeFileSync(join(root, '_app', 'immutable', 'app.abc.js'), 'export {};');
	writeFileSync(join(root, 'secret.txt'), 'inside');
	running = await startServer({ port: 0, host: '127.0.0.1', root });
});

afterAll(async () => {
	await running?.close();
	rmSync(root, { recursive: true, force: true });
});

/** Raw GET so that paths reach the server exactly as written (no URL normalising). */
function get(path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
	return new Promise((resolve, reject) => {
		const req = request({ host: '127.0.0.1', port: running.port, path, method: 'GET' }, (res) => {
			let body = '';
			res.setEncoding('utf8');
			res.on('data', (chunk: string) => (body += chunk));
			res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
		});
		req.on('error', reject);
		req.end();
	});
}

describe('serve.mjs', () => {
	test('reports the URL it listens on', () => {
		expect(running.url).toBe(`http://127.0.0.1:${running.port}/`);
		expect(running.port).toBeGreaterThan(0);
	});

	test('answers unknown paths with index.html (SPA fallback), not under /_app/', async () => {
		const deep = await get('/p/some-project/r/abc');
		expect(deep.status).toBe(200);
		expect(deep.headers['content-type']).toBe('text/html; charset=utf-8');
		expect(deep.body).toContain('<title>Cairn</title>');
		expect((await get('/_app/immutable/missing.js')).status).toBe(404);
	});

	test('sets content types and caching', async () => {
		const sw = await get('/sw.js');
		expect(sw.headers['content-type']).toBe('text/javascript; charset=utf-8');
		expect(sw.headers['cache-control']).toBe('no-cache');
		const manifest = await get('/manifest.webmanifest');
		expect(manifest.headers['content-type']).toBe('application/manifest+json; charset=utf-8');
		expect(manifest.headers['cache-control']).toBe('no-cache');
		const chunk = await get('/_app/immutable/app.abc.js');
		expect(chunk.headers['cache-control']).toBe('public, max-age=31536000, immutable');
	});

	test('refuses paths that escape the root', async () => {
		expect((await get('/..%2f..%2fetc%2fpasswd')).status).toBe(403);
		expect((await get('/%2e%2e/%2e%2e/etc/passwd')).body).not.toContain('root:');
		expect((await get('/secret.txt%00.html')).status).toBe(403);
	});

	test('parses --port/--host and rejects bad ports', () => {
		expect(parseServeArgs(['--port', '0', '--host=0.0.0.0'])).toMatchObject({ port: 0, host: '0.0.0.0' });
		expect(() => parseServeArgs(['--port', 'abc'])).toThrow(/invalid port/);
		expect(() => parseServeArgs(['--nope'])).toThrow(/unknown option/);
	});
});
