import { describe, expect, it } from 'vitest';
import { workspaceNameProblem } from '$lib/ui/workspaces/name-check';

describe('workspaceNameProblem', () => {
	it('accepts a name and says what is wrong with a bad one', () => {
		expect(workspaceNameProblem('Churn team')).toBeUndefined();
		expect(workspaceNameProblem('   ')).toMatch(/give the workspace a name/);
		expect(workspaceNameProblem('x'.repeat(81))).toMatch(/80/);
	});
});
