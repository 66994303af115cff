// @ts-check
/**
 * Listening and closing for the HTTP servers in scripts/ (serve.mjs, and
 * signaling.mjs when it runs on its own), written once.
 */

/**
 * Listens on `port` (0 picks a free one) and `host`; resolves with the port
 * actually bound and the host as it goes into a URL (IPv6 in brackets).
 * @param {import('node:http').Server} server
 * @param {number} port
 * @param {string} host
 * @returns {Promise<{ port: number, urlHost: string }>}
 */
export async function listen(server, port, host) {
	await new Promise((resolveListen, rejectListen) => {
		server.once('error', rejectListen);
		server.listen(port, host, () => {
			server.off('error', rejectListen);
			resolveListen(undefined);
		});
	});
	const address = server.address();
	return {
		port: typeof address === 'object' && address ? address.port : port,
		urlHost: host.includes(':') ? `[${host}]` : host,
	};
}

/**
 * Stops listening and drops open connections: browsers keep idle keep-alive
 * sockets open, and without closeAllConnections the server would keep
 * answering them after "close". (Upgraded WebSockets are the caller's to close first.)
 * @param {import('node:http').Server} server
 * @returns {Promise<void>}
 */
export function closeServer(server) {
	return new Promise((resolveClose) => {
		server.close(() => resolveClose(undefined));
		server.closeAllConnections();
	});
}
