/**
 * `@mistral-flows/stream/redis`: the replay log kept in a Redis Stream. Needs the optional peer
 * dependency `ioredis` (`npm i ioredis`); the main entry never loads it.
 */
export { RedisReplayLog, type RedisReplayLogOptions } from './sse/redis-replay-log.js';
