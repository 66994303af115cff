/**
 * State of a user action that may fail with a named error (set an alias, lock,
 * delete…): busy while it runs, then either a success message or the error's
 * name and message, ready for an aria-live region and a role=alert.
 */
import { errorMessage } from './artifacts/format';

export class ActionState {
	busy = $state(false);
	error = $state<string>();
	done = $state<string>();

	/** Runs `action`; resolves true on success. Never throws: the error is kept for display. */
	async run(action: () => Promise<unknown>, doneMessage: string): Promise<boolean> {
		this.busy = true;
		this.error = this.done = undefined;
		try {
			await action();
			this.done = doneMessage;
			return true;
		} catch (e) {
			this.error = `${e instanceof Error ? e.name + ': ' : ''}${errorMessage(e)}`;
			return false;
		} finally {
			this.busy = false;
		}
	}
}
