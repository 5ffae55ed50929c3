import type { ChatEvents, Usage } from '@mistral-flows/core';
import {
  chatStream,
  EventBus,
  StreamError,
  toBus,
  toCompletion,
  type StreamOptions,
} from '@mistral-flows/stream';
import { lastValueFrom } from 'rxjs';
import { Checks, type DemoContext, type Scenario } from '../scenario.js';
import type { StreamedText } from '../terminal/output.js';

interface RequestSpec {
  id: string;
  prompt: string;
  /** What the request shows. */
  note: string;
  options: StreamOptions;
  /** The emulator fault it depends on, if any (skipped against the real API). */
  fault?: 'interrupt' | 'error';
}

/** What the bus saw of one request. */
interface RequestRecord {
  requestId: string;
  events: Record<string, number>;
  chunks: number;
  content?: string;
  usage?: Usage | undefined;
  finishReason?: string;
  restarts: number;
  error?: { code: string; message: string; partialText: string };
}

const requests: RequestSpec[] = [
  {
    id: 'req-1',
    prompt: 'Explain event-driven architecture in two sentences',
    note: 'a stream published on the bus',
    options: {},
  },
  {
    id: 'req-2',
    prompt: 'Why do streamed answers need a restart policy',
    note: "a fault cuts it after 6 chunks; onInterrupt: 'restart' sends it again",
    options: {
      onInterrupt: 'restart',
      headers: {
        'x-emulator-fault': 'drop-after:6',
        'x-emulator-fault-times': '1',
        'x-emulator-request-key': `demo-stream-${process.pid}-${Date.now()}`,
      },
    },
    fault: 'interrupt',
  },
  {
    id: 'req-3',
    prompt: 'Describe server-sent events',
    note: "a fault cuts it after 4 chunks; onInterrupt: 'error' (the default) reports it",
    options: { headers: { 'x-emulator-fault': 'drop-after:4' } },
    fault: 'error',
  },
];

export const streamScenario: Scenario = {
  name: 'stream',
  title:
    'an event bus for streamed chats: chat:start, chat:chunk, chat:complete, chat:error, via toBus',

  async run(context: DemoContext) {
    const { client, out, models } = context;
    const s = out.style;
    const bus = new EventBus<ChatEvents>();
    const stopTracing = context.telemetry?.observe(bus);
    const records = new Map<string, RequestRecord>();
    let writer: StreamedText | undefined;
    let streamed = '';
    const endText = () => {
      writer?.end();
      writer = undefined;
    };
    const record = (requestId: string) => {
      let r = records.get(requestId);
      if (!r) {
        r = { requestId, events: {}, chunks: 0, restarts: 0 };
        records.set(requestId, r);
      }
      return r;
    };
    const subscription = bus.events$.subscribe(({ type, payload }) => {
      const r = record(payload.requestId);
      r.events[type] = (r.events[type] ?? 0) + 1;
    });

    // The chat:* listeners, on the typed bus.
    bus.on('chat:start', ({ requestId, model }) =>
      out.field('chat:start', `[${requestId}] Starting ${model}`),
    );
    bus.on('chat:chunk', ({ requestId, content, index }) => {
      record(requestId).chunks++;
      if (!writer) {
        // The emulator's text is written by its scripted model, not by a real one.
        writer = out.streamed(
          context.backend === 'emulator' ? 'chat:chunk (scripted)' : 'chat:chunk',
        );
        writer.prefix(s.dim(`[${requestId}]`));
      }
      writer.write(content);
      streamed = index === 0 ? content : streamed + content;
      context.report({ text: streamed });
    });
    bus.on('chat:complete', ({ requestId, usage, finishReason }) => {
      endText();
      const used = usage
        ? `usage ${usage.promptTokens} + ${usage.completionTokens} = ${usage.totalTokens} tokens (as reported)`
        : 'no usage reported';
      out.field('chat:complete', `[${requestId}] ${s.green('Done')}  ${used}, ${finishReason}`);
    });
    bus.on('chat:restart', ({ requestId, attempt, reason }) => {
      endText();
      record(requestId).restarts++;
      out.field(
        'chat:restart',
        `[${requestId}] ${s.yellow(`interrupted (${reason})`)}: sending it again, attempt ${attempt}`,
      );
    });
    bus.on('chat:error', ({ requestId, error, partialText }) => {
      endText();
      out.field('chat:error', `[${requestId}] ${s.red(`Error: ${error.message}`)}`);
      out.field('', s.dim(`partial text kept: "${partialText}"`));
    });

    try {
      for (const spec of requests) {
        if (context.signal.aborted) break;
        if (spec.fault && !context.faults) {
          out.field(
            spec.id,
            s.dim(`skipped: the ${spec.fault} it shows needs the emulator's faults`),
          );
          continue;
        }
        out.field(spec.id, s.dim(spec.note));
        const stream$ = chatStream(
          client,
          { model: models.small, messages: [{ role: 'user', content: spec.prompt }] },
          { ...spec.options, signal: context.signal },
        );
        const r = record(spec.id);
        try {
          const completion = await lastValueFrom(toBus(stream$, bus, spec.id).pipe(toCompletion()));
          Object.assign(r, {
            content: completion.text,
            usage: completion.usage,
            finishReason: completion.finishReason,
          });
        } catch (error) {
          if (context.signal.aborted) break; // a stopped stream completes without an answer
          if (!StreamError.isInstance(error)) throw error;
          r.error = { code: error.code, message: error.message, partialText: error.partialText };
        }
      }
    } finally {
      endText();
      subscription.unsubscribe();
      stopTracing?.();
      bus.complete();
    }

    const checks = new Checks();
    const [first, second, third] = requests.map((spec) => records.get(spec.id));
    checks.expect(first?.usage !== undefined && first.usage.totalTokens > 0, 'req-1 had no usage');
    checks.expect((first?.events['chat:chunk'] ?? 0) > 0, 'req-1 published no chat:chunk');
    if (context.faults) {
      checks.expect(
        second?.restarts === 1 && second.usage !== undefined,
        'req-2 was not restarted and completed',
      );
      checks.expect(
        third?.events['chat:error'] === 1 && (third.error?.partialText ?? '') !== '',
        'req-3 did not end with chat:error and its partial text',
      );
    }
    return checks.result({ requests: [...records.values()] });
  },
};
