import { classifyError, mapConcurrent, redactString, type Usage } from '@mistral-flows/core';
import { Checks, type DemoContext, type Scenario } from '../scenario.js';
import { formatDuration } from '../terminal/style.js';

const PROMPTS = [
  'Summarize quantum computing',
  'Explain neural networks',
  'What is reinforcement learning',
  'Define gradient descent',
  'Compare SQL and NoSQL databases',
  'What is a vector database',
  'Explain attention in transformers',
  'Why are batch APIs cheaper',
];
/** This prompt gets an injected 500 on the emulator: its failure is reported, not lost. */
const FAILING = 3;
const CONCURRENCY = 5;

interface ItemResult {
  index: number;
  prompt: string;
  status: 'fulfilled' | 'rejected';
  content?: string;
  usage?: Usage;
  error?: { code: string; status?: number; message: string };
  ms: number;
}

export const concurrentScenario: Scenario = {
  name: 'concurrent',
  title: `mapConcurrent at concurrency ${CONCURRENCY}: every outcome in input order, failures included`,

  async run(context: DemoContext) {
    const { client, out, models } = context;
    const s = out.style;
    const started = Date.now();
    let inFlight = 0;
    let peak = 0;
    const times = new Map<number, number>();
    const bar = out.progress('prompts', PROMPTS.length);
    const settled = await mapConcurrent(
      PROMPTS,
      async (prompt, { index, signal }) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        const t0 = Date.now();
        try {
          const fault = context.faults && index === FAILING;
          const response = await client.chat.complete(
            { model: models.small, messages: [{ role: 'user', content: prompt }], maxTokens: 60 },
            {
              ...(signal ? { signal } : {}),
              ...(fault ? { headers: { 'x-emulator-fault': '500' } } : {}),
            },
          );
          const content = response.choices?.[0]?.message?.content;
          return {
            content: typeof content === 'string' ? content : '',
            usage: response.usage,
          };
        } finally {
          inFlight--;
          times.set(index, Date.now() - t0);
        }
      },
      {
        concurrency: CONCURRENCY,
        signal: context.signal,
        onProgress: (p) => {
          bar.update({ completed: p.settled, detail: `${p.inFlight} in flight` });
          context.report({ completed: p.settled, total: PROMPTS.length });
        },
      },
    );
    bar.finish();

    const items: ItemResult[] = settled.map((r) => {
      const base = { index: r.index, prompt: PROMPTS[r.index]!, ms: times.get(r.index) ?? 0 };
      if (r.status === 'fulfilled') {
        const usage = r.value.usage;
        return {
          ...base,
          status: r.status,
          content: r.value.content,
          usage: {
            promptTokens: usage.promptTokens ?? 0,
            completionTokens: usage.completionTokens ?? 0,
            totalTokens: usage.totalTokens ?? 0,
          },
        };
      }
      const c = classifyError(r.reason);
      return {
        ...base,
        status: r.status,
        error: {
          code: c.code,
          ...(c.status !== undefined ? { status: c.status } : {}),
          message: redactString(c.message),
        },
      };
    });
    out.table(
      [
        { header: '#', align: 'right' },
        { header: 'prompt', maxWidth: 34 },
        { header: 'result' },
        { header: 'tokens', align: 'right' },
        { header: 'time', align: 'right' },
        { header: 'answer or error' },
      ],
      items.map((item) => [
        String(item.index),
        item.prompt,
        item.status === 'fulfilled' ? 'ok' : 'failed',
        item.usage ? String(item.usage.totalTokens) : '-',
        formatDuration(item.ms),
        item.status === 'fulfilled'
          ? (item.content ?? '').replace(/\s+/g, ' ')
          : `${item.error!.code}${item.error!.status ? ` ${item.error!.status}` : ''}: ${item.error!.message}`,
      ]),
      (r, c, text) =>
        c === 2 ? (items[r]!.status === 'fulfilled' ? s.green(text) : s.red(text)) : text,
    );
    const failed = items.filter((i) => i.status === 'rejected').length;
    out.field(
      'outcome',
      `${items.length - failed} succeeded, ${failed} failed (reported, not lost), ` +
        `at most ${peak} in flight, ${formatDuration(Date.now() - started)}`,
    );

    const checks = new Checks();
    checks.expect(
      items.every((item, i) => item.index === i),
      'results are not in input order',
    );
    checks.expect(peak <= CONCURRENCY, `more than ${CONCURRENCY} requests in flight`);
    const expected = context.faults ? [FAILING] : [];
    const actual = items.filter((i) => i.status === 'rejected').map((i) => i.index);
    checks.expect(
      JSON.stringify(actual) === JSON.stringify(expected),
      `failures at ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`,
    );
    return checks.result({ concurrency: CONCURRENCY, peakInFlight: peak, items });
  },
};
