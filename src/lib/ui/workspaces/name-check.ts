/**
 * A workspace name field's check before submitting, shared by the dialogs that
 * take one (new, join, rename): the message to show beside the field, or
 * undefined when the name is fine. The registry validates again on write.
 */
import { validateWorkspaceName } from '$lib/core/workspace';
import { errorMessage } from '$lib/ui/error-message';

export function workspaceNameProblem(name: string): string | undefined {
	try {
		validateWorkspaceName(name);
		return undefined;
	} catch (error) {
		return errorMessage(error);
	}
}
