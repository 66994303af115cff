/**
 * `cairn-peer` / `npm run peer -- …`: the command line around startPeer().
 * Exit codes: 0 after a clean stop (SIGINT/SIGTERM), 1 on a runtime failure,
 * 2 on a usage error. Nothing printed ever contains the workspace key.
 */
import { parseShareLink } from '$lib/sync/share-link';
import { HELP, parseArgs, type PeerArgs } from './args';
import { startPeer, timestamp, type RunningPeer } from './peer';

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

function message(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

async function readStdinLine(): Promise<string> {
	if (process.stdin.isTTY) process.stderr.write('Paste the share link and press Enter: ');
	let text = '';
	for await (const chunk of process.stdin) {
		text += String(chunk);
		if (text.includes('\n')) break;
	}
	process.stdin.pause();
	return text.split('\n')[0]?.trim() ?? '';
}

async function main(): Promise<void> {
	let args: PeerArgs;
	try {
		args = parseArgs(process.argv.slice(2));
	} catch (error) {
		console.error(`cairn-peer: ${message(error)}`);
		process.exit(EXIT_USAGE);
	}
	if (args.help) {
		console.log(HELP);
		return;
	}

	let join = null;
	try {
		join = args.join === 'stdin' ? parseShareLink(await readStdinLine()) : args.join;
	} catch (error) {
		console.error(`cairn-peer: ${message(error)}`);
		process.exit(EXIT_USAGE);
	}

	const warn = (line: string) => console.error(`${timestamp()} cairn-peer: ${line}`);
	let peer: RunningPeer | null = null;
	/** Set by the first SIGINT/SIGTERM (or a fatal error): the exit code to stop with. */
	let exitCode: number | null = null;
	const finish = async (code: number) => {
		try {
			await peer?.stop();
		} catch (error) {
			warn(`stopping failed: ${message(error)}`);
			code = EXIT_FAILURE;
		}
		process.exit(code);
	};
	const requestExit = (code: number) => {
		if (exitCode !== null) return;
		exitCode = code;
		// While starting there is nothing to stop yet; main() stops once startPeer returns.
		if (peer) void finish(code);
	};
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.on(signal, () => {
			// A second Ctrl-C while the document is being written: the user means it.
			if (exitCode !== null) process.exit(130);
			requestExit(0);
		});
	}

	try {
		peer = await startPeer({
			dataDir: args.dataDir,
			join,
			signalingUrls: args.signalingUrls,
			print: args.quiet ? () => {} : (line) => console.log(line),
			warn,
			onFatal: () => requestExit(EXIT_FAILURE),
		});
	} catch (error) {
		console.error(`cairn-peer: ${message(error)}`);
		process.exit(EXIT_FAILURE);
	}
	if (exitCode !== null) return finish(exitCode);
}

void main().catch((error: unknown) => {
	console.error(`cairn-peer: ${message(error)}`);
	process.exit(EXIT_FAILURE);
});
