// @ts-check
/** Debian's chromium; override with CHROMIUM_PATH (never `playwright install`). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags for headless Chromium in containers and CI (see docs/development.md):
 * no sandbox (we run as root without user namespaces), no GPU (none there), no QUIC
 * and no background/component/sync traffic (nothing but the app talks to the network),
 * no first-run UI. Shared by tests/e2e and bench/.
 */
export const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync'
];
