// Cairn is a pure client-side SPA: adapter-static writes one fallback page
// (build/index.html) that serves every route; nothing is rendered or prerendered
// on a server, because all data lives in the browser (IndexedDB).
export const ssr = false;
export const prerender = false;
// '/p/my-project' and '/p/my-project/' are the same page; 'never' is Kit's default
// and matches the service worker's navigation fallback ('/').
export const trailingSlash = 'never';
