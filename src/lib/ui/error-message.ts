/** What went wrong, in words for the page: an Error's message, or whatever was thrown as text. */
export function errorMessage(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
