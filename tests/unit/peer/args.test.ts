import { describe, expect, it } from 'vitest';
import { InvalidShareLinkError, formatShareLink, newShareSecret, toBase64Url } from '$lib/sync/share-link';
import { DEFAULT_SIGNALING_URL, HELP, parseArgs, PeerUsageError } from '../../../peer/args';

const secret = newShareSecret();
const link = formatShareLink('https://cairn.example', secret);
const keyText = toBase64Url(secret.key);

/** The error parseArgs throws, with a check that its message never contains the key. */
function failure(argv: string[]): Error {
	try {
		parseArgs(argv);
	} catch (error) {
		expect((error as Error).message).not.toContain(keyText);
		return error as Error;
	}
	throw new Error('expected parseArgs to throw');
}

describe('parseArgs', () => {
	it('parses a first run', () => {
		const args = parseArgs(['--join', link, '--data', '/srv/cairn', '--signal', 'wss://signal.example.org/signal', '--quiet']);
		expect(args).toEqual({
			help: false,
			join: secret,
			dataDir: '/srv/cairn',
			signalingUrls: ['wss://signal.example.org/signal'],
			quiet: true,
		});
	});

	it('accepts --opt=value, repeated --signal, and no --join on later runs', () => {
		const args = parseArgs(['--data=/d', '--signal=ws://a:1/signal', '--signal', 'ws://b:2/signal', '--signal', 'ws://a:1/signal']);
		expect(args.join).toBeNull();
		expect(args.signalingUrls).toEqual(['ws://a:1/signal', 'ws://b:2/signal']);
		expect(args.quiet).toBe(false);
	});

	it('reads the link from stdin with --join -', () => {
		expect(parseArgs(['--join', '-', '--data', 'd']).join).toBe('stdin');
	});

	it('requires --data', () => {
		const error = failure(['--join', link]);
		expect(error).toBeInstanceOf(PeerUsageError);
		expect(error.message).toMatch(/--data <dir> is required/);
		expect(failure(['--data']).message).toMatch(/--data needs a value/);
		expect(failure(['--data', '--quiet']).message).toMatch(/--data needs a value/);
	});

	it('rejects a malformed link with the share-link parser’s message', () => {
		const error = failure(['--join', 'https://cairn.example/#/join/abc', '--data', 'd']);
		expect(error).toBeInstanceOf(InvalidShareLinkError);
		expect(error.message).toMatch(/not a valid Cairn share link: it should end in <room>.<key>/);
		const short = failure(['--join', `${link.slice(0, -4)}`, '--data', 'd']);
		expect(short).toBeInstanceOf(InvalidShareLinkError);
		expect(short.message).toMatch(/key is \d+ bytes/);
	});

	it('rejects bad signaling URLs, unknown options and stray arguments without echoing them', () => {
		expect(failure(['--data', 'd', '--signal', 'http://x/signal']).message).toMatch(/must start with ws:\/\/ or wss:\/\//);
		expect(failure(['--data', 'd', '--port', '1']).message).toMatch(/Unknown option --port/);
		// An unquoted link is often split by the shell; the piece may hold the key.
		const stray = failure(['--data', 'd', keyText]);
		expect(stray.message).toMatch(/Unexpected argument number 3/);
		// base64url has '-': a key may start with it (1 in 64) and must still not be named back as an option.
		const dashed = `-${keyText.slice(1)}`;
		const dashedStray = failure(['--data', 'd', dashed]);
		expect(dashedStray.message).toMatch(/Unexpected argument number 3/);
		expect(dashedStray.message).not.toContain(dashed.slice(0, 8));
		expect(failure(['--join', link, '--join', link, '--data', 'd']).message).toMatch(/given twice/);
		expect(failure(['--quiet=yes', '--data', 'd']).message).toMatch(/takes no value/);
	});

	it('has help that names every option, the default relay and where the key is kept', () => {
		expect(parseArgs(['--help']).help).toBe(true);
		expect(parseArgs(['-h']).help).toBe(true);
		for (const option of ['--join', '--data', '--signal', '--quiet']) expect(HELP).toContain(option);
		expect(HELP).toContain(DEFAULT_SIGNALING_URL);
		expect(HELP).toMatch(/0600/);
		expect(HELP).toMatch(/first run/);
	});
});
