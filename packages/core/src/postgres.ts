/**
 * `@mistral-flows/core/postgres`: the PostgreSQL store. Needs the optional peer dependency `pg`
 * (`npm i pg`); the main entry never loads it.
 */
export { PostgresStore, type PostgresStoreOptions } from './store/postgres-store.js';
