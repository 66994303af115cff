// @ts-check
/**
 * Static server for the built SPA in build/, plus the sync relay (its one dependency is `ws`).
 *
 *   node scripts/serve.mjs [--port N] [--host H] [--root DIR] [--no-signaling]
 *
 * - Paths that are not files get build/index.html (the SPA fallback), except under
 *   /_app/, where a missing file is a real 404 (a stale chunk must not turn into HTML).
 * - /_app/immutable/ is cached for a year; everything else revalidates (`no-cache`),
 *   so a new sw.js, index.html or manifest is always picked up.
 * - Requests that resolve outside the root are refused with 403.
 * - WebSocket upgrades on /signal reach the sync mesh's signaling/relay server
 *   (scripts/signaling.mjs), so the app's default signaling URL is
 *   ws(s)://<host>/signal. `--no-signaling` (or `signaling: false`) turns it off.
 *
 * `startServer()` is also imported by tests/e2e and bench/. It returns the
 * `http.Server`, so other services (a signaling WebSocket server) can attach to the
 * same process and port through its 'upgrade' event.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeServer, listen } from './listen.mjs';
import { attachSignaling } from './signaling.mjs';

export const DEFAULT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'build');
export const DEFAULT_PORT = 4173;
export const DEFAULT_HOST = '127.0.0.1';

/** @type {Record<string, string>} */
const CONTENT_TYPES = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.mjs': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.json': 'application/json; charset=utf-8',
	'.webmanifest': 'application/manifest+json; charset=utf-8',
	'.svg': 'image/svg+xml',
	'.png': 'image/png',
	'.ico': 'image/x-icon',
	'.wasm': 'application/wasm',
	'.txt': 'text/plain; charset=utf-8',
	'.map': 'application/json; charset=utf-8',
	'.woff2': 'font/woff2',
};

/** Content-hashed build output never changes under the same name. */
const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
const REVALIDATE_CACHE = 'no-cache';

/**
 * @typedef {object} ServerOptions
 * @property {number} [port] 0 picks a free port
 * @property {string} [host]
 * @property {string} [root] directory holding index.html
 * @property {boolean} [signaling] serve the signaling/relay WebSocket on /signal (default true)
 * @property {(entry: import('./signaling.mjs').CapturedMessage) => void} [capture] sees every relayed message (tests)
 */

/**
 * @typedef {object} RunningServer
 * @property {string} url e.g. http://127.0.0.1:4173/
 * @property {number} port the port actually bound
 * @property {import('node:http').Server} server for attaching 'upgrade' handlers
 * @property {string | null} signalingUrl e.g. ws://127.0.0.1:4173/signal; null when signaling is off
 * @property {() => Promise<void>} close stops listening and drops open connections
 */

/**
 * @param {string} root
 * @param {string} urlPath decoded, starts with '/'
 * @returns {string | undefined} absolute path inside root, or undefined if it escapes
 */
function resolveInside(root, urlPath) {
	const file = resolve(root, '.' + urlPath);
	return file === root || file.startsWith(root + sep) ? file : undefined;
}

/** @param {string} file */
async function fileStat(file) {
	try {
		const info = await stat(file);
		return info.isFile() ? info : undefined;
	} catch {
		return undefined;
	}
}

/**
 * Creates the request handler serving `root` as an SPA.
 * @param {string} root
 * @returns {import('node:http').RequestListener}
 */
export function createStaticHandler(root) {
	const absoluteRoot = resolve(root);
	const fallback = join(absoluteRoot, 'index.html');

	return async (req, res) => {
		if (req.method !== 'GET' && req.method !== 'HEAD') {
			res.writeHead(405, { Allow: 'GET, HEAD' }).end();
			return;
		}
		let urlPath;
		try {
			urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
		} catch {
			res.writeHead(400).end('Bad request');
			return;
		}
		const target = urlPath.includes('\0') ? undefined : resolveInside(absoluteRoot, urlPath);
		if (!target) {
			res.writeHead(403).end('Forbidden');
			return;
		}

		let file = target;
		let info = await fileStat(file);
		if (!info && !urlPath.startsWith('/_app/')) {
			file = fallback;
			info = await fileStat(file);
		}
		if (!info) {
			res.writeHead(404, { 'Content-Type': CONTENT_TYPES['.txt'] }).end('Not found');
			return;
		}

		const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
		const headers = {
			'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
			'Cache-Control': urlPath.startsWith('/_app/immutable/') ? IMMUTABLE_CACHE : REVALIDATE_CACHE,
			'X-Content-Type-Options': 'nosniff',
			ETag: etag,
		};
		if (req.headers['if-none-match'] === etag) {
			res.writeHead(304, headers).end();
			return;
		}
		res.writeHead(200, { ...headers, 'Content-Length': info.size });
		if (req.method === 'HEAD') {
			res.end();
			return;
		}
		createReadStream(file)
			.on('error', () => res.destroy())
			.pipe(res);
	};
}

/**
 * Serves `root` (default build/) and resolves once listening.
 * @param {ServerOptions} [options]
 * @returns {Promise<RunningServer>}
 */
export async function startServer({ port = DEFAULT_PORT, host = DEFAULT_HOST, root = DEFAULT_ROOT, signaling = true, capture } = {}) {
	if (!(await fileStat(join(root, 'index.html')))) {
		throw new Error(`${join(root, 'index.html')} not found: run \`npm run build\` first`);
	}
	const server = createServer(createStaticHandler(root));
	const relay = signaling ? attachSignaling(server, capture ? { capture } : {}) : null;
	const { port: boundPort, urlHost } = await listen(server, port, host);
	return {
		url: `http://${urlHost}:${boundPort}/`,
		port: boundPort,
		server,
		signalingUrl: relay ? `ws://${urlHost}:${boundPort}${relay.path}` : null,
		close: async () => {
			// Upgraded WebSocket connections are not closed by closeAllConnections.
			await relay?.close();
			await closeServer(server);
		},
	};
}

/**
 * Parses `--port N`, `--host H`, `--root DIR` (also `--name=value`) and `--no-signaling`.
 * @param {string[]} argv
 * @returns {ServerOptions}
 */
export function parseServeArgs(argv) {
	/** @type {ServerOptions} */
	const options = {
		port: process.env.PORT ? Number(process.env.PORT) : DEFAULT_PORT,
		host: DEFAULT_HOST,
		root: DEFAULT_ROOT,
	};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i] ?? '';
		const [name, inline] = arg.split('=', 2);
		const value = () => inline ?? argv[++i] ?? '';
		if (name === '--port') options.port = Number(value());
		else if (name === '--host') options.host = value();
		else if (name === '--root') options.root = resolve(value());
		else if (arg === '--no-signaling') options.signaling = false;
		else throw new Error(`unknown option ${arg} (expected --port N, --host H, --root DIR, --no-signaling)`);
	}
	if (!Number.isInteger(options.port) || (options.port ?? -1) < 0 || (options.port ?? 0) > 65535) {
		throw new Error(`invalid port ${options.port}: expected an integer 0..65535 (0 = any free port)`);
	}
	return options;
}

/**
 * Stops `running` on Ctrl-C / SIGTERM and exits.
 * @param {RunningServer} running
 */
export function closeOnSignals(running) {
	const stop = () => {
		running.close().then(() => process.exit(0));
	};
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	try {
		const running = await startServer(parseServeArgs(process.argv.slice(2)));
		console.log(`Cairn is running at ${running.url}`);
		closeOnSignals(running);
	} catch (error) {
		console.error(error instanceof Error ? error.message : error);
		process.exit(1);
	}
}
