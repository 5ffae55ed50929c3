import { context as otelContext, SpanKind, type Link, type Span } from '@opentelemetry/api';
import { OWN } from './attributes.js';
import { stateName, type MachineSnapshotLike } from './inspection.js';
import {
  failSpan,
  readStoredSpan,
  spanKey,
  writeStoredSpan,
  type TelemetryCore,
} from './telemetry-core.js';

interface RunTrack {
  key: string;
  span: Span;
  state: string;
  pending: Promise<unknown>;
}

/**
 * Turns the inspection of batch runs into one `batch_run` span per run, with an event for every
 * state the run and each of its jobs goes through. A run resumed from a stored snapshot links to
 * the span of the run it continues.
 */
export class BatchSpans {
  private readonly runs = new Map<string, RunTrack>();
  private readonly byKey = new Map<string, RunTrack>();
  private readonly jobStates = new Map<string, string>();

  constructor(private readonly core: TelemetryCore) {}

  onRunSnapshot(session: string, snapshot: MachineSnapshotLike): void {
    const context = snapshot.context as {
      key: string;
      outcome?: string;
      failure?: { code: string; message: string };
    };
    const now = Date.now();
    let run = this.runs.get(session);
    if (!run) {
      if (snapshot.status !== 'active') return;
      const span = this.core.tracer.startSpan(
        'batch_run',
        { kind: SpanKind.INTERNAL, startTime: now, attributes: { [OWN.batchKey]: context.key } },
        otelContext.active(),
      );
      const key = spanKey('batch', context.key);
      const pending = readStoredSpan(this.core, key).then(async (link: Link | undefined) => {
        if (link) {
          span.addLink(link);
          span.setAttribute(OWN.resumed, true);
        }
        await writeStoredSpan(this.core, key, span);
      });
      run = { key: context.key, span, state: '', pending };
      this.runs.set(session, run);
      this.byKey.set(context.key, run);
    }
    const state = stateName(snapshot.value);
    if (state !== run.state) {
      run.span.addEvent('batch.state', { [OWN.batchState]: state }, now);
      run.state = state;
    }
    if (snapshot.status !== 'active') {
      this.runs.delete(session);
      this.byKey.delete(run.key);
      if (context.outcome) run.span.setAttribute(OWN.batchStatus, context.outcome);
      if (snapshot.status === 'error') failSpan(run.span, 'error');
      else if (context.failure) failSpan(run.span, context.failure.code, context.failure.message);
      else if (context.outcome && context.outcome !== 'succeeded')
        failSpan(run.span, context.outcome);
      const span = run.span;
      void run.pending.then(() => span.end(now));
    }
  }

  onJobSnapshot(session: string, snapshot: MachineSnapshotLike): void {
    const context = snapshot.context as { key?: string; status?: string };
    if (typeof context.key !== 'string') return;
    const runKey = context.key.split('~')[0]!;
    const run = this.byKey.get(runKey);
    if (!run) return;
    const state = stateName(snapshot.value);
    const seen = `${state}|${context.status ?? ''}`;
    if (this.jobStates.get(session) === seen) return;
    this.jobStates.set(session, seen);
    run.span.addEvent('batch.job.state', {
      [OWN.batchShard]: context.key,
      [OWN.batchState]: state,
      ...(context.status ? { [OWN.batchStatus]: context.status } : {}),
    });
    if (snapshot.status !== 'active') this.jobStates.delete(session);
  }
}
