import { describe, expect, it } from 'vitest';
import { parseJsonLines, runDemo, summaryOf, type ScenarioLine } from './run-cli.js';

/** A port nothing listens on: the queue scenario must skip, not fail. */
const NO_REDIS = 'redis://127.0.0.1:1';

describe('demo --json', () => {
  it('runs agents, stream, batch and concurrent on the emulator and reports each result', async () => {
    const { code, stdout, stderr } = await runDemo([
      '--json',
      '--scenario',
      'agents',
      '--scenario',
      'stream',
      '--scenario',
      'batch',
      '--scenario',
      'concurrent',
    ]);
    // stdout: one JSON line per scenario and nothing else; stderr: the summary line only.
    const scenarios = parseJsonLines(stdout);
    expect(stdout.trimEnd().split('\n')).toHaveLength(4);
    expect([...scenarios.keys()]).toEqual(['agents', 'stream', 'batch', 'concurrent']);
    for (const line of scenarios.values()) {
      expect(line, `${line.scenario}: ${line.reason}`).toMatchObject({
        status: 'passed',
        backend: 'emulator',
      });
    }
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(summaryOf(stderr)).toEqual({
      run: 4,
      passed: 4,
      failed: 0,
      skipped: 0,
      skippedNames: [],
    });
    expect(code).toBe(0);

    // agents: the Code Reviewer called search_codebase, and the API reported usage.
    const agents = scenarios.get('agents')!.result as {
      agent: { name: string };
      toolCalls: Array<{ name: string; arguments: string; ok: boolean; result: string }>;
      answer: string;
      steps: number;
      usage: { promptTokens: number; completionTokens: number; totalTokens: number };
    };
    expect(agents.agent.name).toBe('Code Reviewer');
    expect(agents.toolCalls).toHaveLength(1);
    expect(agents.toolCalls[0]).toMatchObject({ name: 'search_codebase', ok: true });
    expect(JSON.parse(agents.toolCalls[0]!.arguments)).toEqual({ query: 'admin123' });
    expect(agents.toolCalls[0]!.result).toContain('scripts/seed-admin.ts');
    expect(agents.steps).toBe(2);
    expect(agents.answer).toContain('admin123');
    expect(agents.usage.totalTokens).toBe(
      agents.usage.promptTokens + agents.usage.completionTokens,
    );
    expect(agents.usage.totalTokens).toBeGreaterThan(0);

    // stream: the chat:* events with real usage, a restarted stream and a chat:error.
    const stream = scenarios.get('stream')!.result as {
      requests: Array<{
        requestId: string;
        events: Record<string, number>;
        chunks: number;
        usage?: { totalTokens: number };
        restarts: number;
        error?: { code: string; partialText: string };
      }>;
    };
    const [first, restarted, failed] = stream.requests;
    expect(first).toMatchObject({
      requestId: 'req-1',
      events: { 'chat:start': 1, 'chat:complete': 1 },
      restarts: 0,
    });
    expect(first!.events['chat:chunk']).toBe(first!.chunks);
    expect(first!.usage!.totalTokens).toBeGreaterThan(0);
    expect(restarted).toMatchObject({
      requestId: 'req-2',
      restarts: 1,
      events: { 'chat:start': 2, 'chat:restart': 1, 'chat:complete': 1 },
    });
    expect(restarted!.usage!.totalTokens).toBeGreaterThan(0);
    expect(failed).toMatchObject({
      requestId: 'req-3',
      events: { 'chat:start': 1, 'chat:chunk': 4, 'chat:error': 1 },
      error: { code: 'network' },
    });
    expect(failed!.events['chat:complete']).toBeUndefined();
    expect(failed!.error!.partialText).not.toBe('');

    // batch: 200 results through the whole lifecycle, 3 failures by custom_id, the cost saving.
    const batch = scenarios.get('batch')!.result as {
      status: string;
      jobs: Array<{ status: string }>;
      counts: { total: number; succeeded: number; failed: number; missing: number };
      results: number;
      failures: Array<{ customId: string; statusCode: number }>;
      tokens: { prompt: number; completion: number };
      cost: { regular: number; batch: number; saved: number };
    };
    expect(batch.status).toBe('succeeded');
    expect(batch.jobs).toEqual([expect.objectContaining({ status: 'SUCCESS' })]);
    expect(batch.results).toBe(200);
    expect(batch.counts).toEqual({ total: 200, succeeded: 197, failed: 3, missing: 0 });
    expect(batch.failures.map((f) => [f.customId, f.statusCode])).toEqual([
      ['review-037', 500],
      ['review-101', 500],
      ['review-163', 500],
    ]);
    expect(batch.tokens.prompt).toBeGreaterThan(0);
    expect(batch.tokens.completion).toBeGreaterThan(0);
    expect(batch.cost.regular).toBeGreaterThan(0);
    expect(batch.cost.batch).toBeCloseTo(batch.cost.regular / 2, 12);
    expect(batch.cost.saved).toBeCloseTo(batch.cost.regular / 2, 12);

    // concurrent: every prompt's outcome, in input order, the injected failure reported.
    const concurrent = scenarios.get('concurrent')!.result as {
      concurrency: number;
      peakInFlight: number;
      items: Array<{
        index: number;
        prompt: string;
        status: string;
        content?: string;
        usage?: { totalTokens: number };
        error?: { code: string; status: number };
      }>;
    };
    expect(concurrent.concurrency).toBe(5);
    expect(concurrent.peakInFlight).toBeLessThanOrEqual(5);
    expect(concurrent.items.map((item) => item.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(concurrent.items.slice(0, 3).map((item) => item.prompt)).toEqual([
      'Summarize quantum computing',
      'Explain neural networks',
      'What is reinforcement learning',
    ]);
    expect(concurrent.items.map((item) => item.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(concurrent.items[3]!.error).toMatchObject({ code: 'server', status: 500 });
    for (const item of concurrent.items.filter((i) => i.status === 'fulfilled')) {
      expect(item.content).not.toBe('');
      expect(item.usage!.totalTokens).toBeGreaterThan(0);
    }
  });

  it('skips the queue scenario without Redis, with a line saying how to start one, and exits 0', async () => {
    const { code, stdout, stderr } = await runDemo(['--json', '--scenario', 'queue'], {
      REDIS_URL: NO_REDIS,
    });
    const queue: ScenarioLine = parseJsonLines(stdout).get('queue')!;
    expect(queue.status).toBe('skipped');
    expect(queue.reason).toContain(`no Redis at ${NO_REDIS}`);
    expect(queue.reason).toContain('redis-server');
    expect(summaryOf(stderr)).toEqual({
      run: 0,
      passed: 0,
      failed: 0,
      skipped: 1,
      skippedNames: ['queue'],
    });
    expect(code).toBe(0);
  });
});

describe('demo (terminal output)', () => {
  it('prints aligned blocks without colours off a TTY, the skip line and the summary', async () => {
    const { code, stdout, stderr } = await runDemo(
      ['--scenario', 'queue', '--scenario', 'concurrent'],
      {
        REDIS_URL: NO_REDIS,
      },
    );
    expect(stderr).toBe('');
    expect(stdout).not.toContain('\u001b['); // not a TTY: no escape sequences
    expect(stdout).not.toMatch(/^\s+at /m); // no stack traces
    const lines = stdout.split('\n');

    const skip = lines.filter((line) => line.startsWith('queue'));
    expect(skip).toHaveLength(1);
    expect(skip[0]).toMatch(
      /^queue · skipped: no Redis at redis:\/\/127\.0\.0\.1:1 .*redis-server/,
    );

    // The per-prompt table: every row's columns start where the header's do.
    const header = lines.findIndex((line) => /^\s+#\s+prompt\s+result\s+tokens\s+time/.test(line));
    expect(header).toBeGreaterThan(-1);
    const rows = lines.slice(header + 1, header + 9);
    const resultColumn = lines[header]!.indexOf('result');
    for (const row of rows) {
      expect(row.slice(resultColumn)).toMatch(/^(ok|failed)\s/);
    }
    expect(rows[3]).toMatch(/failed\s+-\s+.*server 500/);
    // Labels of `label  value` lines line up with each other.
    const labelled = lines.filter((line) => /^ {2}(outcome|prompts) /.test(line));
    expect(labelled.length).toBeGreaterThan(1);
    expect(new Set(labelled.map((line) => /^ {2}\S+\s+/.exec(line)![0].length)).size).toBe(1);

    expect(stdout).toMatch(/✓ passed/);
    expect(summaryOf(stdout)).toEqual({
      run: 1,
      passed: 1,
      failed: 0,
      skipped: 1,
      skippedNames: ['queue'],
    });
    expect(code).toBe(0);
  });

  it('runs the support desk: triage hands off to billing, whose refund is approved once', async () => {
    const { code, stdout } = await runDemo(['--json', '--scenario', 'support']);
    const support = parseJsonLines(stdout).get('support')!;
    expect(support, support.reason).toMatchObject({ status: 'passed', backend: 'emulator' });
    expect(support.result).toMatchObject({
      agent: 'billing',
      handoffs: [{ from: 'triage', to: 'billing', reason: 'a double charge' }],
      approvals: ['refund'],
      refunds: [{ order: 'A-17', amount: 49.9 }],
      history: [
        { role: 'user' },
        { role: 'assistant', agent: 'billing' },
        { role: 'tool', agent: 'billing' },
        { role: 'assistant', agent: 'billing' },
      ],
    });
    expect((support.result as { answer: string }).answer).toContain('refunded 49.90 EUR');
    expect(code).toBe(0);
  });

  it('exits 1 when a scenario fails, with one line per failure, no stack and no API key', async () => {
    const key = 'sk-demo-test-secret-0123456789';
    const { code, stdout, stderr } = await runDemo(['--scenario', 'concurrent'], {
      MISTRAL_API_KEY: key,
      MISTRAL_SERVER_URL: 'http://127.0.0.1:1', // the "real API", unreachable
    });
    expect(stdout).toMatch(/^mistral-flows demo · the Mistral API at http:\/\/127\.0\.0\.1:1$/m);
    expect(stdout).toMatch(
      /^ {2}✗ failed in \S+ m?s: failures at \[0,1,2,3,4,5,6,7\], expected \[\]$/m,
    );
    expect(stdout.match(/ network: /g)).toHaveLength(8); // every prompt's failure, reported
    expect(summaryOf(stdout)).toMatchObject({ run: 1, passed: 0, failed: 1, skipped: 0 });
    expect(`${stdout}${stderr}`).not.toContain(key);
    expect(`${stdout}${stderr}`).not.toMatch(/^\s+at /m);
    expect(stderr).toBe('');
    expect(code).toBe(1);
  });

  it('refuses an unknown scenario with the usage and exit status 2', async () => {
    const { code, stdout, stderr } = await runDemo(['--scenario', 'nope']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('unknown scenario "nope"');
    expect(stderr).toContain('--scenario <name>');
  });
});
