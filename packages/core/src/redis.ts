/**
 * `@mistral-flows/core/redis`: the Redis store. Needs the optional peer dependency `ioredis`
 * (`npm i ioredis`); the main entry never loads it.
 */
export { RedisStore, type RedisStoreOptions } from './store/redis-store.js';
