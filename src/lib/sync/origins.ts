/**
 * Yjs transaction origins, named in one place (STYLE.md habit 7). Providers
 * skip updates whose origin is themselves; the projection projects every
 * change whatever its origin.
 */
/** Writes by this device's repositories (SDK and UI). */
export const LOCAL_ORIGIN = Symbol('cairn:local');
/** The one-time import of a foundation-era Dexie database into the document. */
export const MIGRATION_ORIGIN = Symbol('cairn:migration');
