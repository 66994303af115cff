// Cairn is a pure client-side SPA: adapter-static writes one fallback page
// (build/index.html) that serves every route; nothing is rendered or prerendered
// on a server, because all data lives in the browser (IndexedDB).
export const ssr = false;
export const prerender = false;
// '/p/my-project' and '/p/my-project/' are the same page; 'never' is Kit's default
// and matches the service worker's navigation fallback ('/').
export const trailingSlash = 'never';

/**
 * The first page draws in a task of its own. SvelteKit evaluates the app's
 * modules and, with nothing to wait for, renders in the same task: ~60 ms on
 * a 2-core laptop while a join link's workspace starts (principle 6: no task
 * over 50 ms). A timer between them costs the first paint a few milliseconds.
 */
export const load = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
