/**
 * `@mistral-flows/core/sqlite`: the SQLite store. Needs the optional peer dependency
 * `better-sqlite3` (`npm i better-sqlite3`); the main entry never loads it.
 */
export { SqliteStore, type SqliteStoreOptions } from './store/sqlite-store.js';
