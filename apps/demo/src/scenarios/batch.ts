import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBatch, type BatchProgress, type BatchResult } from '@mistral-flows/batch';
import { MemoryStore } from '@mistral-flows/core';
import { Checks, type DemoContext, type Scenario } from '../scenario.js';

const REQUESTS = 200;
/** Reviews whose lines the emulator fails on purpose, so that the summary has failures to show. */
const FAILING = [37, 101, 163];

/**
 * List prices per million tokens used for the cost estimate (mistral-small-latest); the Batch API
 * costs 50% of the regular price.
 */
const PRICE_PER_MILLION = { input: 0.1, output: 0.3 };
const BATCH_DISCOUNT = 0.5;

const PRODUCTS = ['headphones', 'coffee grinder', 'desk lamp', 'running shoes', 'e-reader'];
/** What the reviews say, and the label the emulator's scripted model gives each. */
const MOODS: Array<[string, string]> = [
  ['love it', 'positive'],
  ['broke after a week', 'negative'],
  ['does the job', 'neutral'],
  ['arrived late but works', 'mixed'],
  ['too loud, sending it back', 'negative'],
];
const LABELS = ['positive', 'negative', 'neutral', 'mixed'];

function customId(n: number): string {
  return `review-${String(n).padStart(3, '0')}`;
}

function prompt(n: number): string {
  const [mood] = MOODS[n % MOODS.length]!;
  return (
    `Classify the sentiment of review #${n}: "${PRODUCTS[(n * 3) % PRODUCTS.length]}, ${mood}". ` +
    `Answer with one word: ${LABELS.join(', ')}.`
  );
}

/** The label an answer starts with, or `other`. */
function labelOf(answer: string): string {
  const match = new RegExp(`\\b(${LABELS.join('|')})\\b`, 'i').exec(answer);
  return match ? match[1]!.toLowerCase() : 'other';
}

interface Tokens {
  prompt: number;
  completion: number;
}

/** Token usage of a chat completion body as the API wrote it to the output file. */
function usageOf(result: BatchResult): Tokens {
  const usage = (result.body as { usage?: { prompt_tokens?: number; completion_tokens?: number } })
    ?.usage;
  return { prompt: usage?.prompt_tokens ?? 0, completion: usage?.completion_tokens ?? 0 };
}

function contentOf(result: BatchResult): string {
  const body = result.body as { choices?: Array<{ message?: { content?: unknown } }> };
  const content = body?.choices?.[0]?.message?.content;
  return typeof content === 'string' ? content : '';
}

function dollars(amount: number): string {
  return `$${amount.toFixed(amount < 1 ? 6 : 2)}`;
}

export const batchScenario: Scenario = {
  name: 'batch',
  title: `${REQUESTS} requests through the Batch API: upload, job, polling, download, results by custom_id`,
  emulatorRules: [
    {
      match: {
        endpoint: 'batch',
        lastUserMessage: `^Classify the sentiment of review #(${FAILING.join('|')}):`,
      },
      error: { status: 500, message: 'Internal server error' },
    },
    ...MOODS.map(([mood, label]) => ({
      match: {
        endpoint: 'batch' as const,
        lastUserMessage: `^Classify the sentiment .*, ${mood}"`,
      },
      text: label,
    })),
  ],

  async run(context: DemoContext) {
    const { client, out, models } = context;
    const s = out.style;
    const workDir = await mkdtemp(join(tmpdir(), 'mistral-flows-demo-batch-'));
    try {
      const requests = Array.from({ length: REQUESTS }, (_, i) => ({
        customId: customId(i + 1),
        body: { messages: [{ role: 'user', content: prompt(i + 1) }], max_tokens: 64 },
      }));
      out.field(
        'input',
        `${REQUESTS} requests (${customId(1)} … ${customId(REQUESTS)}), ${models.small}, max_tokens 64`,
      );
      if (context.backend === 'api') {
        out.field('', s.dim('real batch jobs can take minutes; Ctrl-C cancels the job'));
      }
      const run = runBatch({
        client,
        requests,
        model: models.small,
        endpoint: '/v1/chat/completions',
        key: `demo-${process.pid}-${Date.now()}`,
        store: new MemoryStore(),
        workDir,
        metadata: { source: 'mistral-flows-demo' },
        poll: { initialMs: 200, maxMs: 1_000, multiplier: 1.5 },
        signal: context.signal,
        ...(context.inspect ? { inspect: context.inspect } : {}),
      });
      const bar = out.progress('progress', REQUESTS);
      const label = (p: BatchProgress) => (p.status === 'NOT_CREATED' ? p.state : p.status);
      const subscription = run.progress$.subscribe((p) => {
        bar.update({ completed: p.completed, total: p.total || REQUESTS, status: label(p) });
        context.report({ completed: p.completed, total: p.total || REQUESTS });
      });
      const outcome = await run.done.finally(() => subscription.unsubscribe());
      bar.finish({ status: outcome.jobs.at(-1)?.status ?? outcome.status });

      const results = [...(outcome.results?.values() ?? [])];
      const tokens = results
        .filter((r) => r.ok)
        .map(usageOf)
        .reduce(
          (sum, t) => ({
            prompt: sum.prompt + t.prompt,
            completion: sum.completion + t.completion,
          }),
          {
            prompt: 0,
            completion: 0,
          },
        );
      const regular =
        (tokens.prompt * PRICE_PER_MILLION.input + tokens.completion * PRICE_PER_MILLION.output) /
        1_000_000;
      const batch = regular * BATCH_DISCOUNT;
      const { counts } = outcome;

      for (const job of outcome.jobs) {
        out.field('job', `${job.id}  ${job.status}`);
      }
      out.field(
        'results',
        `${s.green(`${counts.succeeded} succeeded`)}, ${counts.failed > 0 ? s.red(`${counts.failed} failed`) : '0 failed'}, ` +
          `${counts.missing} missing, of ${counts.total} (status ${outcome.status})`,
      );
      const labels = new Map<string, number>();
      for (const r of results.filter((r) => r.ok)) {
        const label = labelOf(contentOf(r));
        labels.set(label, (labels.get(label) ?? 0) + 1);
      }
      out.field(
        'sentiments',
        [...labels.entries()]
          .sort((a, b) => b[1] - a[1])
          .map(([label, n]) => `${label} ${n}`)
          .join(', '),
      );
      for (const [i, failure] of outcome.failures.entries()) {
        out.fieldTruncated(
          i === 0 ? 'failures' : '',
          `${failure.customId}  ${s.red(String(failure.statusCode))}  ${failure.error?.message ?? ''}`,
        );
      }
      if (context.faults && outcome.failures.length > 0) {
        out.field(
          '',
          s.dim(
            '(these lines fail on purpose: an emulator rule; each failure keeps its custom_id)',
          ),
        );
      }
      out.field(
        'tokens',
        `prompt ${tokens.prompt.toLocaleString('en-US')} + completion ${tokens.completion.toLocaleString('en-US')} ` +
          `= ${(tokens.prompt + tokens.completion).toLocaleString('en-US')} (the usage in the results)`,
      );
      out.field(
        'cost',
        `${dollars(regular)} at regular prices, ${s.green(dollars(batch))} with batch pricing: ` +
          `saved ${dollars(regular - batch)} (${Math.round((1 - BATCH_DISCOUNT) * 100)}%)`,
      );
      out.field(
        '',
        `a million such requests: ${dollars((regular / REQUESTS) * 1_000_000)} vs ` +
          `${s.green(dollars((batch / REQUESTS) * 1_000_000))}`,
      );
      out.field(
        '',
        s.dim(
          `(list prices of ${models.small}: $${PRICE_PER_MILLION.input.toFixed(2)} per 1M input, ` +
            `$${PRICE_PER_MILLION.output.toFixed(2)} per 1M output tokens)`,
        ),
      );

      const checks = new Checks();
      checks.expect(outcome.status === 'succeeded', `the batch ended ${outcome.status}`);
      checks.expect(results.length === REQUESTS, `${results.length}/${REQUESTS} results`);
      checks.expect(tokens.prompt + tokens.completion > 0, 'no usage in the results');
      if (context.faults) {
        checks.expect(
          counts.failed === FAILING.length && counts.succeeded === REQUESTS - FAILING.length,
          `expected ${FAILING.length} failures, got ${counts.failed}`,
        );
      }
      return checks.result({
        key: outcome.key,
        status: outcome.status,
        jobs: outcome.jobs.map((j) => ({ id: j.id, status: j.status })),
        counts,
        results: results.length,
        sentiments: Object.fromEntries(labels),
        failures: outcome.failures.map((f) => ({
          customId: f.customId,
          statusCode: f.statusCode,
          message: f.error?.message,
        })),
        tokens,
        cost: {
          pricePerMillion: PRICE_PER_MILLION,
          regular,
          batch,
          saved: regular - batch,
        },
      });
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  },
};
