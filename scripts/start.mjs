// @ts-check
/**
 * `npm start`: builds the app (vite build, output in build/) and serves it locally,
 * with the signaling relay for shared workspaces at /signal on the same port.
 * Options after `--` go to the server: `npm start -- --port 8080 --host 0.0.0.0`.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeOnSignals, parseServeArgs, startServer } from './serve.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs the project's own vite binary; resolves with its exit code. */
function viteBuild() {
	const viteBin = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
	const child = spawn(process.execPath, [viteBin, 'build'], { cwd: ROOT, stdio: 'inherit' });
	// Ctrl-C reaches the child through the terminal's process group; just wait for it.
	const ignore = () => {};
	process.on('SIGINT', ignore);
	return new Promise((resolveExit) => {
		child.on('exit', (code, signal) => {
			process.off('SIGINT', ignore);
			resolveExit(signal ? 130 : (code ?? 1));
		});
	});
}

try {
	const options = parseServeArgs(process.argv.slice(2));
	const code = await viteBuild();
	if (code !== 0) {
		console.error(`vite build failed (exit ${code})`);
		process.exit(code);
	}
	const running = await startServer(options);
	console.log(`Cairn is running at ${running.url}`);
	if (running.signalingUrl) console.log(`Signaling relay for shared workspaces: ${running.signalingUrl} (it sees only encrypted messages)`);
	closeOnSignals(running);
} catch (error) {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
}
