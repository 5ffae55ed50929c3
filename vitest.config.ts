import { defineConfig } from 'vitest/config';

const roots = ['packages/*', 'apps/*', 'bench'];
const inRoots = (pattern: string) => roots.map((root) => `${root}/${pattern}`);
const serviceTests = [
  '**/*.redis.test.ts',
  '**/*.postgres.test.ts',
  '**/*.browser.test.ts',
  '**/*.smoke.test.ts',
];

/**
 * The stream, agents and queue suites run once on each wire of `createClient`: on the SDK in
 * `unit` and `redis`, and again on the fast wire in `unit-fast-wire` and `redis-fast-wire`, which
 * set MISTRAL_FLOWS_TEST_WIRE=fast (read by `testWire()` of @mistral-flows/testing; the fixture
 * processes inherit it). Left out of the re-run, file by file:
 */
const fastWire = { MISTRAL_FLOWS_TEST_WIRE: 'fast' };
const notOnFastWire = [
  // Compare the two wires side by side already, building both clients themselves.
  'packages/stream/test/fast-wire.test.ts',
  'packages/agents/test/fast-wire.test.ts',
  // Send no request to the model: the import graph, the SSE relay, the README's diagram, the
  // webhook POST.
  'packages/stream/test/import-graph.test.ts',
  'packages/stream/test/sse-relay.test.ts',
  'packages/agents/test/readme.test.ts',
  'packages/queue/test/post-webhook.test.ts',
  // Redis Streams relay (stream) and queue tests that send no chat, agents or conversation
  // request: batch runs, the batch watcher (files and batch jobs, which stay on the SDK on both
  // wires), enqueueing, BullMQ job events, and a Redis that cannot be reached.
  'packages/stream/test/redis-relay.redis.test.ts',
  'packages/queue/test/batch-*.redis.test.ts',
  'packages/queue/test/enqueue.redis.test.ts',
  'packages/queue/test/job-events.redis.test.ts',
  'packages/queue/test/redis-unavailable.redis.test.ts',
];
// Not re-run either: conversation-crash.postgres.test.ts, the Redis variant's run with a Postgres
// store; the wire's part of it is the same, and redis-fast-wire runs the Redis variant.
const wireSuites = ['packages/stream', 'packages/agents', 'packages/queue'];

export default defineConfig({
  test: {
    // Service-dependent projects run one file at a time, after the unit project has finished,
    // so that they never compete with each other for Redis, Chromium or the two cores.
    projects: [
      {
        test: {
          name: 'unit',
          include: inRoots('{src,test}/**/*.test.ts'),
          exclude: ['**/node_modules/**', '**/dist/**', ...serviceTests],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'unit-fast-wire',
          include: wireSuites.map((dir) => `${dir}/test/**/*.test.ts`),
          exclude: ['**/node_modules/**', '**/dist/**', ...serviceTests, ...notOnFastWire],
          env: fastWire,
          testTimeout: 30_000,
          hookTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'redis',
          include: inRoots('{src,test}/**/*.redis.test.ts'),
          exclude: ['**/node_modules/**', '**/dist/**'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 30_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'redis-fast-wire',
          include: wireSuites.map((dir) => `${dir}/test/**/*.redis.test.ts`),
          exclude: ['**/node_modules/**', '**/dist/**', ...notOnFastWire],
          env: fastWire,
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 30_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'postgres',
          include: inRoots('{src,test}/**/*.postgres.test.ts'),
          exclude: ['**/node_modules/**', '**/dist/**'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 30_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'browser',
          include: inRoots('{src,test}/**/*.browser.test.ts'),
          exclude: ['**/node_modules/**', '**/dist/**'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 2 },
        },
      },
      {
        test: {
          name: 'smoke',
          include: ['test/**/*.smoke.test.ts', ...inRoots('test/**/*.smoke.test.ts')],
          exclude: ['**/node_modules/**', '**/dist/**'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
});
