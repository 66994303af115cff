import { describe, expect, it } from 'vitest';
import { PERSONAL_WORKSPACE_ID } from '$lib/core/workspace';
import { WorkspaceRegistry } from '$lib/store/workspace-registry';
import { newWorkspaceSecret, shareLinkFor } from '$lib/sync/workspace-secrets';
import { bootWorkspaces } from '$lib/ui/workspaces/boot';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);

function env(href: string) {
	const registryName = `boot-test-${Math.random().toString(36).slice(2)}`;
	const calls = { cleared: 0 };
	return { calls, env: { href, registryName, now: T0, clearFragment: () => calls.cleared++ } };
}

describe('bootWorkspaces', () => {
	it('creates the personal workspace and opens the current one', async () => {
		const { env: e, calls } = env('https://cairn.example/p/x');
		const boot = await bootWorkspaces(e);
		expect(boot.kind).toBe('open');
		expect(boot.current).toMatchObject({ id: PERSONAL_WORKSPACE_ID, name: 'Personal', createdAt: T0 });
		expect(calls.cleared).toBe(0);

		const team = await boot.registry.create('Team', T0, newWorkspaceSecret());
		await boot.registry.setCurrent(team.id);
		boot.registry.close();
		const again = await bootWorkspaces(e);
		expect(again.current).toEqual(team);
		again.registry.close();
	});

	it('reads a join link, clears the fragment at once, and joins nothing yet', async () => {
		const secret = newWorkspaceSecret();
		const { env: e, calls } = env(shareLinkFor(secret, 'https://cairn.example'));
		const boot = await bootWorkspaces(e);
		expect(calls.cleared).toBe(1);
		expect(boot).toMatchObject({ kind: 'join', secret, known: undefined });
		expect(boot.current.id).toBe(PERSONAL_WORKSPACE_ID);
		expect(await boot.registry.list()).toHaveLength(1);
		boot.registry.close();
	});

	it('says when this device already has the workspace', async () => {
		const secret = newWorkspaceSecret();
		const { env: e } = env(shareLinkFor(secret, 'https://cairn.example'));
		const registry = await WorkspaceRegistry.open(e.registryName);
		const known = await registry.join(secret, T0, 'Vision');
		registry.close();
		const boot = await bootWorkspaces(e);
		expect(boot).toMatchObject({ kind: 'join', known });
		boot.registry.close();
	});

	it('reports a malformed link with the parser message, and clears it too', async () => {
		const { env: e, calls } = env('https://cairn.example/#/join/abc.def');
		const boot = await bootWorkspaces(e);
		expect(calls.cleared).toBe(1);
		expect(boot.kind).toBe('bad-link');
		if (boot.kind === 'bad-link') expect(boot.message).toMatch(/not a valid Cairn share link: the room id is \d+ bytes/);
		boot.registry.close();
	});
});
