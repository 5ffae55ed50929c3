import { createClient } from '@mistral-flows/core';
import { startEmulator, type Emulator, type ScenarioRule } from '@mistral-flows/emulator';

/**
 * The SDK client as core builds it: named through core so that the demo's OpenTelemetry
 * packages, which the SDK lists as optional peers, cannot pair it with another copy of its types.
 */
type Mistral = ReturnType<typeof createClient>;

/** The emulator's latency model: a realistic pace, so that streams visibly stream. */
export const LATENCY = { ttftMs: 300, tokenMs: 15 };
/** Batch lines per second on the emulator: 200 requests take about two seconds. */
export const BATCH_RPS = 100;

export interface Backend {
  kind: 'emulator' | 'api';
  client: Mistral;
  /** Where the calls go, for the header. */
  description: string;
  /** How it behaves, for the header's second line. */
  detail: string;
  emulator: Emulator | undefined;
  close(): Promise<void>;
}

/**
 * The real Mistral API when `MISTRAL_API_KEY` is set (unless `forceEmulator`), else the emulator
 * in-process on 127.0.0.1 with the scenarios' scripted rules. The client is always core's
 * `createClient`.
 */
export async function startBackend(options: {
  forceEmulator: boolean;
  rules: ScenarioRule[];
  env?: Record<string, string | undefined>;
}): Promise<Backend> {
  const env = options.env ?? process.env;
  const key = env.MISTRAL_API_KEY?.trim();
  if (key && !options.forceEmulator) {
    const client = createClient({ env });
    const server = env.MISTRAL_SERVER_URL?.trim();
    return {
      kind: 'api',
      client,
      description: `the Mistral API${server ? ` at ${server}` : ''}`,
      detail: 'MISTRAL_API_KEY is set: real models, real usage, real cost (--emulator to avoid it)',
      emulator: undefined,
      close: async () => undefined,
    };
  }
  const emulator = await startEmulator({
    host: '127.0.0.1',
    port: 0,
    latency: LATENCY,
    batchRps: BATCH_RPS,
    scenarios: options.rules,
  });
  return {
    kind: 'emulator',
    // No key goes to the emulator, even when one is set in the environment.
    client: createClient({ serverURL: emulator.url, env: {} }),
    description: `the embedded emulator at ${emulator.url}`,
    detail:
      `a scripted model, ${LATENCY.ttftMs} ms to first token, ${LATENCY.tokenMs} ms per token; ` +
      'set MISTRAL_API_KEY for the real API',
    emulator,
    close: () => emulator.close(),
  };
}
