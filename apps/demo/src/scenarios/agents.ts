import {
  createConversation,
  defineTool,
  ensureAgent,
  type ConversationStreamEvent,
} from '@mistral-flows/agents';
import { MemoryStore } from '@mistral-flows/core';
import { lastValueFrom, tap } from 'rxjs';
import { z } from 'zod';
import { Checks, type DemoContext, type Scenario } from '../scenario.js';
import type { StreamedText } from '../terminal/output.js';
import { formatDuration } from '../terminal/style.js';

/** The code the search_codebase tool searches: a few files around the auth() under review. */
const CODEBASE: Record<string, string[]> = {
  'src/auth.ts': ['export function auth(pwd) { return pwd === "admin123"; }'],
  'src/routes/login.ts': [
    "import { auth } from '../auth';",
    'if (!auth(req.body.password)) return res.status(401).end();',
  ],
  'scripts/seed-admin.ts': ["await users.create({ name: 'admin', password: 'admin123' });"],
  'test/auth.test.ts': ["expect(auth('admin123')).toBe(true);"],
};

/** Every line of the codebase containing `query` (case-insensitive), as `path:line: text`. */
export function searchCodebase(query: string): string[] {
  const needle = query.toLowerCase();
  return Object.entries(CODEBASE).flatMap(([path, lines]) =>
    lines.flatMap((line, i) =>
      line.toLowerCase().includes(needle) ? [`${path}:${i + 1}: ${line.trim()}`] : [],
    ),
  );
}

const searchTool = defineTool({
  name: 'search_codebase',
  description: 'Search the codebase for patterns',
  parameters: z.object({ query: z.string() }),
  execute: async ({ query }) => {
    const hits = searchCodebase(query);
    return hits.length === 0 ? `No match for "${query}".` : hits.join('\n');
  },
});

const AGENT = {
  name: 'Code Reviewer',
  instructions: `You are an expert code reviewer. Analyze code for:
  - Security vulnerabilities
  - Performance issues
  - Best practice violations
Provide actionable feedback with severity ratings.`,
  description: 'Reviews code for security, performance, and best practices',
};

const PROMPT =
  'Review this function:\n```\nfunction auth(pwd) { return pwd === "admin123"; }\n```\n' +
  'First use search_codebase to find where "admin123" appears.';

/** The emulator's scripted model answers in general terms; the review it gives after the search. */
const REVIEW =
  'Critical - hard-coded credential: auth() compares the password with the literal "admin123", ' +
  'and search_codebase finds it in 3 places (src/auth.ts, scripts/seed-admin.ts, ' +
  'test/auth.test.ts), so anyone who can read the code can log in. ' +
  'High - timing leak: === stops at the first differing character; compare with ' +
  'crypto.timingSafeEqual. ' +
  'Fix: store a salted hash per user (argon2 or bcrypt), verify against it, ' +
  'keep secrets out of the repository and rotate the admin password now.';

export const agentsScenario: Scenario = {
  name: 'agents',
  title: 'a code-review agent with a search tool: ensureAgent + search_codebase, streamed',
  emulatorRules: [{ match: { agent: AGENT.name, step: 2 }, text: REVIEW }],

  async run(context: DemoContext) {
    const { client, out, models } = context;
    const started = Date.now();
    const agent = await ensureAgent(client, { ...AGENT, model: models.large, tools: [searchTool] });
    out.field('agent', `${out.style.bold(agent.name)} ${out.style.dim(agent.id)}  ${agent.model}`);
    PROMPT.split('\n')
      .filter((line) => !line.startsWith('```'))
      .forEach((line, i) => out.fieldTruncated(i === 0 ? 'user' : '', line));

    const conversation = createConversation({
      client,
      agentId: agent.id,
      tools: [searchTool],
      store: new MemoryStore(),
      id: 'code-review',
      ...(context.inspect ? { inspect: context.inspect } : {}),
    });
    const toolCalls: Array<{ name: string; arguments: string; ok?: boolean; result?: string }> = [];
    let writer: StreamedText | undefined;
    let answer = '';
    const show = (event: ConversationStreamEvent) => {
      switch (event.type) {
        case 'text-delta':
          // The emulator's answer is written by its scripted model, not by a real one.
          writer ??= out.streamed(
            context.backend === 'emulator' ? 'reviewer (scripted)' : 'reviewer',
          );
          writer.write(event.text);
          answer += event.text;
          context.report({ text: answer });
          break;
        case 'tool-call':
          writer?.end();
          writer = undefined;
          answer = '';
          toolCalls.push({ name: event.name, arguments: event.arguments });
          out.field('tool call', `${out.style.magenta(event.name)} ${event.arguments}`);
          break;
        case 'tool-result': {
          const call = toolCalls.find((c) => c.name === event.result.name && c.ok === undefined);
          if (call) Object.assign(call, { ok: event.result.ok, result: event.result.content });
          const lines = event.result.content.split('\n');
          const status = event.result.ok ? out.style.green('ok') : out.style.red('failed');
          out.field(
            'tool result',
            `${status} ${out.style.dim(`in ${event.result.durationMs} ms`)}`,
          );
          for (const line of lines) out.fieldTruncated('', out.style.dim(line));
          break;
        }
        case 'restart':
          writer?.restart('the stream broke: asking again');
          answer = '';
          break;
        case 'retry':
          out.field(
            'retry',
            `attempt ${event.attempt} in ${formatDuration(event.delayMs)}: ${event.error.message}`,
          );
          break;
        default:
          break;
      }
    };
    const cancel = () => conversation.cancel();
    context.signal.addEventListener('abort', cancel, { once: true });
    try {
      const end = await lastValueFrom(conversation.stream(PROMPT).pipe(tap(show)));
      writer?.end();
      if (end.type !== 'turn-end') throw new Error(`the turn ended with ${end.type}`);
      const { turn } = end;
      const usage = turn.usage;
      out.field(
        'usage',
        `prompt ${usage.promptTokens} + completion ${usage.completionTokens} = ${usage.totalTokens} tokens, ` +
          `${turn.steps} model calls, ${formatDuration(Date.now() - started)}`,
      );
      const checks = new Checks();
      checks.expect(
        toolCalls.some((c) => c.name === 'search_codebase' && c.ok === true),
        'search_codebase was not called',
      );
      checks.expect(usage.totalTokens > 0, 'no usage reported');
      checks.expect(turn.text.trim() !== '', 'no answer');
      return checks.result({
        agent: { id: agent.id, name: agent.name, model: agent.model },
        toolCalls,
        answer: turn.text,
        steps: turn.steps,
        usage,
      });
    } finally {
      context.signal.removeEventListener('abort', cancel);
      writer?.end();
      await conversation.close();
    }
  },
};
