import { describe, expect, it } from 'vitest';
import { parsePresenceState, presenceColor, PRESENCE_COLORS, UNKNOWN_PERSON } from '$lib/core/presence';

describe('presence', () => {
	it('reads a well-formed awareness state', () => {
		expect(parsePresenceState({ user: { name: ' Ada ', color: '#1F5FBF', deviceId: 'abc' }, page: '/p/churn/r/1' })).toEqual({
			user: { name: 'Ada', color: '#1f5fbf' },
			page: '/p/churn/r/1',
			deviceId: 'abc'
		});
	});

	it('ignores states without a user', () => {
		for (const state of [null, undefined, 'x', 3, {}, { page: '/' }, { user: null }, { user: 'Ada' }]) expect(parsePresenceState(state)).toBeNull();
	});

	it('replaces unsafe fields from a peer instead of showing them', () => {
		const parsed = parsePresenceState(
			{ user: { name: 'Eve\u0000', color: 'red; background: url(https://evil)' }, page: 'javascript:alert(1)' },
			'seed'
		);
		expect(parsed).toEqual({ user: { name: UNKNOWN_PERSON, color: presenceColor('seed') }, page: null, deviceId: null });
		expect(parsePresenceState({ user: { name: 'A', deviceId: 'x y' } })?.deviceId).toBeNull();
		expect(parsePresenceState({ user: { name: 'A', deviceId: 'd'.repeat(65) } })?.deviceId).toBeNull();
		expect(parsePresenceState({ user: { name: 42 }, page: '//evil.example/x' })?.page).toBeNull();
		expect(parsePresenceState({ user: { name: 'A' }, page: `/${'x'.repeat(400)}` })?.page).toHaveLength(300);
		expect(parsePresenceState({ user: { name: 'n'.repeat(200) } })?.user.name).toHaveLength(80);
	});

	it('gives each seed a stable palette colour', () => {
		expect(presenceColor('device-1')).toBe(presenceColor('device-1'));
		const seen = new Set(Array.from({ length: 64 }, (_, i) => presenceColor(`device-${i}`)));
		for (const colour of seen) expect(PRESENCE_COLORS).toContain(colour);
		expect(seen.size).toBeGreaterThan(4);
	});
});
