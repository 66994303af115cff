/**
 * The name recorded as the author of runs logged from this browser. A device
 * identity (key pair) arrives with team sync; until then this is a local setting.
 */
const STORAGE_KEY = 'cairn.displayName';
export const DEFAULT_DISPLAY_NAME = 'me';

export function loadDisplayName(): string {
	try {
		return globalThis.localStorage?.getItem(STORAGE_KEY)?.trim() || DEFAULT_DISPLAY_NAME;
	} catch {
		return DEFAULT_DISPLAY_NAME;
	}
}

export function saveDisplayName(name: string): string {
	const clean = name.trim().slice(0, 80) || DEFAULT_DISPLAY_NAME;
	try {
		globalThis.localStorage?.setItem(STORAGE_KEY, clean);
	} catch {
		// Storage blocked: the name lasts for this page only.
	}
	return clean;
}
