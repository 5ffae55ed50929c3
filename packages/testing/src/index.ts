export { useRedis, pingRedis, deleteKeys, deleteQueueKeys, type RedisService } from './redis.js';
export { usePostgres, createTestSchema, type PostgresService } from './postgres.js';
export { useChromium, chromiumArgs, CHROMIUM_FLAGS, type ChromiumService } from './chromium.js';
export { waitFor, type WaitForOptions } from './wait-for.js';
export { importWithout, type ImportOutcome } from './import-without.js';
export { testWire, TEST_WIRE_VARIABLE, type TestWire } from './wire.js';
