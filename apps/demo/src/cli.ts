#!/usr/bin/env node
import { mapConcurrent, MemoryStore, RateLimiter } from '@mistral-flows/core';

/**
 * The demo's first scenario, on core alone: the seed's bounded concurrent processing, with a
 * shared rate limiter and per-item results and failures, persisted to a store. The agents, stream,
 * batch and queue scenarios join it as their packages land.
 */
async function main(): Promise<void> {
  const prompts = ['Summarize quantum computing', 'Explain neural networks', 'What is reinforcement learning', '', 'Define entropy'];
  const limiter = new RateLimiter({ requests: 10, intervalMs: 1000 });
  const store = new MemoryStore();
  const started = Date.now();
  const results = await mapConcurrent(
    prompts,
    async (prompt, { index }) => {
      if (prompt === '') throw new Error('empty prompt');
      await new Promise((resolve) => setTimeout(resolve, 20 + index * 5));
      return `${prompt.split(' ').length} words`;
    },
    { concurrency: 5, rateLimiter: limiter },
  );
  console.log('concurrent  mapConcurrent at concurrency 5');
  for (const r of results) {
    const label = `  #${r.index} ${JSON.stringify(prompts[r.index])}`.padEnd(42);
    console.log(r.status === 'fulfilled' ? `${label} ok      ${r.value}` : `${label} failed  ${(r.reason as Error).message}`);
  }
  await store.set('demo:concurrent', results.map((r) => r.status));
  const failed = results.filter((r) => r.status === 'rejected').length;
  console.log(`  ${results.length - failed} succeeded, ${failed} failed (reported, not lost) in ${Date.now() - started} ms`);
  console.log('\nscenarios run: 1, passed: 1, skipped: 0');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
