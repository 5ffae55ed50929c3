import { defineConfig } from 'vitest/config';

const roots = ['packages/*', 'apps/*', 'bench'];
const inRoots = (pattern: string) => roots.map((root) => `${root}/${pattern}`);
const serviceTests = [
  '**/*.redis.test.ts',
  '**/*.postgres.test.ts',
  '**/*.browser.test.ts',
  '**/*.smoke.test.ts',
];

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
