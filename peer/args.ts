/**
 * Command-line arguments of `cairn-peer`. Parsing is pure (argv in, options or a
 * named error out) so it is tested without starting anything. No message here
 * ever repeats a value the user typed except option names and signaling URLs:
 * a share link carries the workspace key, and errors end up in logs.
 */
import { CairnError } from '$lib/core/errors';
import { validateSignalingUrl } from '$lib/core/workspace';
import { parseShareLink, type ShareSecret } from '$lib/sync/share-link';

/** Where `npm start` serves the app and its /signal relay. */
export const DEFAULT_SIGNALING_URL = 'ws://127.0.0.1:4173/signal';

export const HELP = `cairn-peer: an always-on Cairn peer. It joins a workspace, keeps the whole
workspace (document and every metric and artifact chunk) on disk and serves it
to teammates, so people who are never online at the same time still sync.

Usage:
  npm run peer -- --join '<share link>' --data <dir> [--signal <ws url>]... [--quiet]
  npm run peer -- --data <dir>            (later runs: the workspace is stored in <dir>)

Options:
  --join <link>     The workspace's share link (quote it: it contains '#').
                    Only needed on the first run: the room id and key are then
                    kept in <dir>/workspace.json with file mode 0600.
                    '--join -' reads the link from standard input instead, so it
                    stays out of the process list and shell history.
  --data <dir>      Directory for the document and chunks (required). It holds
                    the workspace key: treat it like a password.
  --signal <url>    Signaling/relay server, ws:// or wss://. Repeat for several.
                    Saved in <dir>; given again, it replaces the saved list.
                    Default: ${DEFAULT_SIGNALING_URL}
  --quiet           Print only errors and warnings, no status lines.
  -h, --help        Show this help.

It prints a status line when something changes and once a minute:
  peers, whether the docs are in sync, chunks held / pending, signaling state.
Stop it with Ctrl-C or SIGTERM; it writes everything to disk before it exits.`;

export class PeerUsageError extends CairnError {
	override readonly name: string = 'PeerUsageError';
	constructor(why: string) {
		super('peer_usage', `${why}. Run with --help for usage.`);
	}
}

export interface PeerArgs {
	help: boolean;
	/** The parsed share link; 'stdin' for `--join -`; null when the workspace comes from the data dir. */
	join: ShareSecret | 'stdin' | null;
	dataDir: string;
	/** Empty when none was given: use the stored list, else the default. */
	signalingUrls: string[];
	quiet: boolean;
}

const VALUE_OPTIONS = new Set(['--join', '--data', '--signal']);
const FLAG_OPTIONS = new Set(['--quiet', '--help', '-h']);

/** What an option looks like (`--port`, `-x`); anything else is never echoed in an error. */
const OPTION_SHAPE = /^(?:--[a-z][a-z-]{0,30}|-[a-zA-Z])$/;

/** Parses `process.argv.slice(2)`. Throws PeerUsageError, InvalidShareLinkError or InvalidFieldError. */
export function parseArgs(argv: readonly string[]): PeerArgs {
	let join: PeerArgs['join'] = null;
	let joinSeen = false;
	let dataDir: string | null = null;
	const signalingUrls: string[] = [];
	let quiet = false;
	let help = false;

	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i] ?? '';
		const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
		const name = eq > 0 ? arg.slice(0, eq) : arg;
		if (FLAG_OPTIONS.has(name)) {
			if (eq > 0) throw new PeerUsageError(`${name} takes no value`);
			if (name === '--quiet') quiet = true;
			else help = true;
			continue;
		}
		if (!VALUE_OPTIONS.has(name)) {
			// Do not echo it: a stray argument is often an unquoted share link, cut at a space or '&'.
			// Only an option-shaped name is named back: a base64url key may start with '-' too.
			if (OPTION_SHAPE.test(name)) throw new PeerUsageError(`Unknown option ${name}`);
			throw new PeerUsageError(`Unexpected argument number ${i + 1} (options are --join, --data, --signal, --quiet; is a share link missing its --join or its quotes?)`);
		}
		let value: string | undefined;
		if (eq > 0) value = arg.slice(eq + 1);
		else {
			value = argv[i + 1];
			if (value === undefined || (value.startsWith('--') && value !== '-')) throw new PeerUsageError(`${name} needs a value`);
			i++;
		}
		if (name === '--join') {
			if (joinSeen) throw new PeerUsageError('--join was given twice');
			joinSeen = true;
			join = value === '-' ? 'stdin' : parseShareLink(value.trim());
		} else if (name === '--data') {
			if (dataDir !== null) throw new PeerUsageError('--data was given twice');
			if (value.trim() === '') throw new PeerUsageError('--data needs a directory');
			dataDir = value;
		} else {
			signalingUrls.push(validateSignalingUrl(value));
		}
	}

	if (help) return { help, join: null, dataDir: dataDir ?? '', signalingUrls, quiet };
	if (dataDir === null) throw new PeerUsageError('--data <dir> is required: the directory where the peer keeps the workspace');
	return { help, join, dataDir, signalingUrls: [...new Set(signalingUrls)], quiet };
}
