// Every unit test runs against an in-memory IndexedDB (fresh per test file's worker).
import 'fake-indexeddb/auto';
