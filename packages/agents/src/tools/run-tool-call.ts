import type { AnyTool } from './define-tool.js';

const TIMED_OUT = Symbol('timed out');

/** A tool call as the model made it. */
export interface ToolCallRequest {
  id: string;
  name: string;
  /** Raw JSON arguments as sent by the API. */
  rawArguments: string;
}

/** What a tool call produced: the text the model reads, and whether it succeeded. */
export interface ToolCallResult {
  callId: string;
  name: string;
  ok: boolean;
  /** Sent to the model as the tool message. */
  content: string;
  /** Why it failed: `unknown_tool`, `invalid_arguments`, `threw`, `timeout`, `rejected`, `skipped`. */
  failure?: 'unknown_tool' | 'invalid_arguments' | 'threw' | 'timeout' | 'rejected' | 'skipped';
  durationMs: number;
  /** Server mode: the decision sent for a platform tool's call (it runs on the platform). */
  confirmation?: 'allow' | 'deny';
}

/**
 * Runs one tool call safely: finds the tool, parses and validates the arguments with the tool's
 * zod schema, runs it under its timeout, and turns every failure into a message for the model.
 * It never throws.
 */
export async function runToolCall(
  tools: ReadonlyMap<string, AnyTool>,
  call: ToolCallRequest,
  options: { conversationId: string; signal?: AbortSignal; now?: () => number },
): Promise<ToolCallResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const done = (
    ok: boolean,
    content: string,
    failure?: ToolCallResult['failure'],
  ): ToolCallResult => {
    const result: ToolCallResult = {
      callId: call.id,
      name: call.name,
      ok,
      content,
      durationMs: now() - started,
    };
    if (failure) result.failure = failure;
    return result;
  };
  const tool = tools.get(call.name);
  if (!tool) {
    const known = [...tools.keys()].join(', ') || 'none';
    return done(
      false,
      `Error: there is no tool named "${call.name}". Available tools: ${known}.`,
      'unknown_tool',
    );
  }
  let raw: unknown;
  try {
    raw = call.rawArguments.trim() === '' ? {} : JSON.parse(call.rawArguments);
  } catch (error) {
    return done(
      false,
      `Error: the arguments for "${call.name}" are not valid JSON (${error instanceof Error ? error.message : 'parse error'}). Send a JSON object matching the tool's schema.`,
      'invalid_arguments',
    );
  }
  const parsed = tool.parameters.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map(
        (issue: { path: PropertyKey[]; message: string }) =>
          `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`,
      )
      .join('; ');
    return done(
      false,
      `Error: invalid arguments for "${call.name}": ${issues}. Fix them and call the tool again.`,
      'invalid_arguments',
    );
  }
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new DOMException(`Tool "${call.name}" timed out`, 'TimeoutError'));
        resolve(TIMED_OUT);
      }, tool.timeoutMs);
    });
    const run = Promise.resolve().then(() =>
      tool.execute(parsed.data, {
        conversationId: options.conversationId,
        callId: call.id,
        signal: controller.signal,
      }),
    );
    const outcome = await Promise.race([run, timeout]);
    if (outcome === TIMED_OUT) {
      run.catch(() => undefined);
      return done(false, `Error: "${call.name}" timed out after ${tool.timeoutMs} ms.`, 'timeout');
    }
    return done(true, typeof outcome === 'string' ? outcome : (JSON.stringify(outcome) ?? 'null'));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return done(false, `Error: "${call.name}" failed: ${message}`, 'threw');
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
