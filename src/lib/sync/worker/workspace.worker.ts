/**
 * The workspace worker: one per open workspace per tab. Holds the Yjs
 * document, its Dexie projection and the sync mesh (host.ts), so loading or
 * applying a large document never blocks the page (principle 6). Create it
 * through WorkspaceClient (client.ts), not directly.
 */
import * as Comlink from 'comlink';
import { WorkspaceHost } from './host';

Comlink.expose(new WorkspaceHost());
