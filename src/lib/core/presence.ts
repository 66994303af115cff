/**
 * Presence: who is online in a workspace and which page they look at. Each
 * device publishes `{ user: { name, color }, page }` as its Yjs awareness
 * state; states arrive from peers, so they are validated here before the UI
 * shows them (principle 7) — a bad field is dropped, never rendered as is.
 */

export interface PresenceUser {
	name: string;
	/** #rrggbb, from PRESENCE_COLORS */
	color: string;
}

/** A device's published awareness state, as Cairn writes it. */
export interface PresenceState {
	user: PresenceUser;
	/** Path of the page it shows, e.g. /p/churn/r/abc; null when unknown. */
	page: string | null;
	/** The publishing device (`user.deviceId`), so tabs of one device can be told apart from teammates; null when absent. */
	deviceId: string | null;
}

/**
 * Dark enough for text on white and on --bg (WCAG AA, ≥ 4.5:1), distinct
 * enough to tell a few people apart.
 */
export const PRESENCE_COLORS = ['#2f5d50', '#1f5fbf', '#a3261b', '#8a5a00', '#6b3fa0', '#0b6e79', '#9c2f6b', '#4d6b1f'] as const;

const MAX_NAME = 80;
/** Longer paths are not Cairn pages (ids are short); capping keeps a hostile peer from bloating the UI. */
const MAX_PAGE = 300;
const COLOR = /^#[0-9a-f]{6}$/i;
const DEVICE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const CONTROL = /\p{Cc}/u;
export const UNKNOWN_PERSON = 'Someone';

/** A stable colour for a device id (FNV-1a): the same person keeps their colour across sessions. */
export function presenceColor(seed: string): string {
	let h = 0x811c9dc5;
	for (let i = 0; i < seed.length; i++) {
		h ^= seed.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	return PRESENCE_COLORS[(h >>> 0) % PRESENCE_COLORS.length] as string;
}

function cleanText(value: unknown, max: number): string | null {
	if (typeof value !== 'string') return null;
	const trimmed = value.trim();
	if (!trimmed || CONTROL.test(trimmed)) return null;
	return trimmed.length > max ? `${trimmed.slice(0, max - 1)}…` : trimmed;
}

/**
 * Reads an awareness state from any peer. Returns null when it carries no user
 * (not a Cairn presence, e.g. a peer that set nothing yet); otherwise a state
 * whose every field is safe to show: unknown names become "Someone", colours
 * outside #rrggbb a palette colour, pages that are not plain paths null.
 */
export function parsePresenceState(state: unknown, fallbackSeed = ''): PresenceState | null {
	if (typeof state !== 'object' || state === null) return null;
	const { user, page } = state as { user?: unknown; page?: unknown };
	if (typeof user !== 'object' || user === null) return null;
	const { name, color, deviceId } = user as { name?: unknown; color?: unknown; deviceId?: unknown };
	const cleanPage = cleanText(page, MAX_PAGE);
	return {
		user: {
			name: cleanText(name, MAX_NAME) ?? UNKNOWN_PERSON,
			color: typeof color === 'string' && COLOR.test(color) ? color.toLowerCase() : presenceColor(fallbackSeed)
		},
		page: cleanPage && cleanPage.startsWith('/') && !cleanPage.startsWith('//') ? cleanPage : null,
		deviceId: typeof deviceId === 'string' && DEVICE_ID.test(deviceId) ? deviceId : null
	};
}
