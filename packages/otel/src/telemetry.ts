import { InvalidArgumentError, type Store } from '@mistral-flows/core';
import { metrics, trace, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { BatchSpans } from './batch-spans.js';
import { observeBus, type ListenableBus } from './bus-spans.js';
import { ConversationSpans, type AgentNamer } from './conversation-spans.js';
import {
  machineIdOf,
  sessionOf,
  type InspectionEventLike,
  type MachineSnapshotLike,
} from './inspection.js';
import { chatJobTracing, type ChatJobTracingLike } from './job-spans.js';
import { createInstruments, defaultOnError, type TelemetryCore } from './telemetry-core.js';

export const INSTRUMENTATION_NAME = '@mistral-flows/otel';
export const INSTRUMENTATION_VERSION = '0.1.0';

export interface TelemetryOptions {
  /** Where spans go (default: the global provider, `trace.getTracerProvider()`). */
  tracerProvider?: TracerProvider;
  /** Where metrics go (default: the global provider, `metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider;
  /**
   * Record prompts, outputs, tool arguments and results as attributes (default false). Core's
   * redaction removes registered API keys and webhook secrets, bearer tokens and `whsec_` secrets.
   */
  captureContent?: boolean;
  /**
   * Where the span of each conversation turn and batch run is kept (under `otel:span:...`), so
   * that a run resumed in another process links to it. Give the store the runs use.
   */
  store?: Store;
  /** The `gen_ai.agent.name` of a conversation (default: its agent id, else its model). */
  agentName?: AgentNamer;
  /** Failures of the store (reading or writing a span) (default: `diag.error`). */
  onError?: (error: Error) => void;
}

/** The seams to plug in: `inspect` for machines, `observe(bus)`, `chatJobTracing` for workers. */
export interface Telemetry {
  /**
   * XState inspection: give it as `inspect` to `createConversation`, `resumeConversation`,
   * `createAgentSystem`, `runBatch` or `resumeBatch`.
   */
  readonly inspect: (event: InspectionEventLike) => void;
  /** Listens to a bus (`chat:*` of `toBus`, `queue:webhook-*`); returns the way to stop. */
  observe(bus: ListenableBus): () => void;
  /** The chat worker's `tracing` option (`createChatWorker({ tracing })`). */
  readonly chatJobTracing: ChatJobTracingLike;
}

/**
 * OpenTelemetry spans and metrics for mistral-flows, after the GenAI semantic conventions, from
 * the seams the packages already have. Bring your own SDK; this package uses only the API.
 *
 * @example
 * const telemetry = createTelemetry({ store });
 * const chat = createConversation({ client, model, store, inspect: telemetry.inspect });
 */
export function createTelemetry(options: TelemetryOptions = {}): Telemetry {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'expected an options object');
  }
  if (options.captureContent !== undefined && typeof options.captureContent !== 'boolean') {
    throw new InvalidArgumentError('captureContent', 'expected a boolean');
  }
  if (options.store !== undefined && typeof options.store?.get !== 'function') {
    throw new InvalidArgumentError('store', 'expected a Store (get, set)');
  }
  if (options.agentName !== undefined && typeof options.agentName !== 'function') {
    throw new InvalidArgumentError('agentName', 'expected a function');
  }
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(
    INSTRUMENTATION_NAME,
    INSTRUMENTATION_VERSION,
  );
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(
    INSTRUMENTATION_NAME,
    INSTRUMENTATION_VERSION,
  );
  const core: TelemetryCore = {
    tracer,
    captureContent: options.captureContent ?? false,
    store: options.store,
    onError: options.onError ?? defaultOnError,
    ...createInstruments(meter),
  };
  const agentName: AgentNamer = options.agentName ?? (({ agentId, model }) => agentId ?? model);
  const conversations = new ConversationSpans(core, agentName);
  const batches = new BatchSpans(core);

  const inspect = (event: InspectionEventLike): void => {
    if (event.type !== '@xstate.snapshot') return;
    const snapshot = event.snapshot as MachineSnapshotLike | undefined;
    if (!snapshot || typeof snapshot.context !== 'object' || snapshot.context === null) return;
    const session = sessionOf(event.actorRef);
    if (!session) return;
    try {
      switch (machineIdOf(snapshot)) {
        case 'conversation':
          conversations.onSnapshot(
            session,
            snapshot,
            (event.event ?? { type: '' }) as { type: string },
          );
          return;
        case 'batchRun':
          batches.onRunSnapshot(session, snapshot);
          return;
        case 'batch':
          batches.onJobSnapshot(session, snapshot);
          return;
        case 'agentTeam':
          conversations.onTeamSnapshot(snapshot, (event.event ?? { type: '' }) as { type: string });
          return;
        default:
          return;
      }
    } catch (error) {
      // Tracing must never break the machine it watches.
      core.onError(error instanceof Error ? error : new Error(String(error)));
    }
  };

  return {
    inspect,
    observe: (bus) => observeBus(core, bus),
    chatJobTracing: chatJobTracing(core),
  };
}
