import { createClient } from '@mistral-flows/core';
import { chatStream, StreamError, type StreamEvent } from '@mistral-flows/stream';
import type { Subscription } from 'rxjs';
import { Findings, emulatorStats, until, type ChaosRun } from './chaos-run.js';
import { createRandom } from './random.js';
import {
  expectedOutcome,
  expectedRequests,
  judgeStream,
  type PlannedFault,
  type StreamRecord,
} from './stream-bookkeeping.js';

const STREAMS = 1_000;
const FAULT_RATE = 0.1;
const CONCURRENCY = 50;
const DEADLINE_MS = 30_000;
const model = 'mistral-small-latest';

/**
 * 1,000 `chatStream`s against the emulator, 10% of them with a fault chosen with a fixed seed:
 * 429, 500 or `drop-after:<n>` (the connection cut after n text deltas), firing once (a retry or
 * a restart recovers) or on every attempt (the stream must fail). Half the streams restart on an
 * interruption, half report it. Every stream must end exactly once, in `response-end` or a
 * `StreamError`, before its deadline, with the outcome its fault calls for, the text of a
 * completed stream equal to its deltas, and no unhandled rejection anywhere.
 */
export const chaos: ChaosRun = {
  name: 'streams',
  title: `${STREAMS.toLocaleString('en-US')} chat streams with a ${FAULT_RATE * 100}% fault rate (429, 500, drop-after)`,
  budgetMs: 5 * 60_000,
  async run(ctx) {
    const f = new Findings();
    const random = createRandom(ctx.seed);
    const rejections: string[] = [];
    const onRejection = (reason: unknown) => {
      rejections.push(
        reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason),
      );
    };
    process.on('unhandledRejection', onRejection);
    const emulator = await ctx.startEmulator([]);
    try {
      const client = createClient({ serverURL: emulator.url });
      const plans = Array.from({ length: STREAMS }, (_, i) => {
        const fault: PlannedFault | undefined =
          random() < FAULT_RATE
            ? {
                kind: random.pick(['429', '500', 'drop-after'] as const),
                dropAfter: random.int(1, 10),
                once: random() < 0.5,
              }
            : undefined;
        const onInterrupt = random() < 0.5 ? ('error' as const) : ('restart' as const);
        return { index: i, fault, onInterrupt };
      });
      const faulted = plans.filter((p) => p.fault);
      const byKind = (kind: string, once: boolean) =>
        faulted.filter((p) => p.fault!.kind === kind && p.fault!.once === once).length;
      f.tried.push(
        `${STREAMS} chatStream subscriptions, ${CONCURRENCY} at a time, against the emulator in a child process; seed ${ctx.seed}`,
        `${faulted.length} with a fault (x-emulator-fault): 429 once ${byKind('429', true)}, 429 always ${byKind('429', false)}, ` +
          `500 once ${byKind('500', true)}, 500 always ${byKind('500', false)}, drop-after:1..10 once ${byKind('drop-after', true)}, ` +
          `drop-after always ${byKind('drop-after', false)}`,
        `onInterrupt 'restart' on ${plans.filter((p) => p.onInterrupt === 'restart').length} streams, 'error' on the others; retry { maxAttempts: 3 } (Retry-After honoured); a ${DEADLINE_MS / 1000} s deadline per stream`,
      );

      const records: StreamRecord[] = [];
      const runOne = (plan: (typeof plans)[number]) =>
        new Promise<void>((resolve) => {
          const record: StreamRecord = {
            index: plan.index,
            fault: plan.fault,
            onInterrupt: plan.onInterrupt,
            terminals: [],
            eventsAfterTerminal: 0,
            deltasSinceRestart: '',
            restarts: 0,
            endText: undefined,
            errorCode: undefined,
            hung: false,
          };
          records.push(record);
          const headers: Record<string, string> = {};
          if (plan.fault) {
            headers['x-emulator-fault'] =
              plan.fault.kind === 'drop-after'
                ? `drop-after:${plan.fault.dropAfter}`
                : plan.fault.kind;
            headers['x-emulator-request-key'] = `stream-${plan.index}`;
            if (plan.fault.once) headers['x-emulator-fault-times'] = '1';
          }
          const terminal = (what: string) => {
            record.terminals.push(what);
            if (record.terminals.length === 1) {
              clearTimeout(timer);
              // Leave a moment for anything that would (wrongly) follow the end.
              setTimeout(resolve, 20);
            }
          };
          let subscription: Subscription | undefined = undefined;
          const timer = setTimeout(() => {
            record.hung = true;
            subscription?.unsubscribe();
            resolve();
          }, DEADLINE_MS);
          subscription = chatStream(
            client,
            {
              model,
              messages: [{ role: 'user', content: `Tell stream ${plan.index} about lighthouses.` }],
            },
            { retry: { maxAttempts: 3 }, onInterrupt: plan.onInterrupt, headers },
          ).subscribe({
            next: (event: StreamEvent) => {
              if (record.terminals.length > 0) record.eventsAfterTerminal++;
              if (event.type === 'text-delta') record.deltasSinceRestart += event.text;
              else if (event.type === 'restart') {
                record.restarts++;
                record.deltasSinceRestart = '';
              } else if (event.type === 'response-end') {
                record.endText = event.text;
                terminal('response-end');
              }
            },
            error: (error: unknown) => {
              record.errorCode = StreamError.isInstance(error)
                ? error.code
                : `not a StreamError: ${String(error)}`;
              terminal(StreamError.isInstance(error) ? 'StreamError' : 'other error');
            },
            complete: () => {
              if (record.endText === undefined) terminal('complete without response-end');
            },
          });
        });

      const started = Date.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < plans.length) await runOne(plans[next++]!);
        }),
      );
      ctx.log(`  ${STREAMS} streams settled in ${((Date.now() - started) / 1000).toFixed(1)} s`);

      const verdicts = records.map((r) => judgeStream(r));
      const problems = verdicts.flatMap((v) => v.problems);
      const hung = records.filter((r) => r.hung).length;
      const ended = records.filter((r) => r.terminals[0] === 'response-end').length;
      const errored = records.filter((r) => r.terminals[0] === 'StreamError').length;
      const restarted = records.filter((r) => r.restarts > 0 && r.terminals[0] === 'response-end');
      const recovered = records.filter(
        (r) =>
          r.fault &&
          expectedOutcome(r).terminal === 'response-end' &&
          r.terminals[0] === 'response-end',
      ).length;
      const codes: Record<string, number> = {};
      for (const r of records) if (r.errorCode) codes[r.errorCode] = (codes[r.errorCode] ?? 0) + 1;

      f.checkAll(
        records.filter((r) => r.hung).map((r) => `stream ${r.index}`),
        'streams hung past the deadline',
      );
      f.checkAll(problems, 'stream outcome problems');
      f.checkAll(rejections, 'unhandled rejections');
      // Nothing left open on the emulator's side once every stream has ended.
      let stats = await emulatorStats(emulator.url);
      await until(async () => {
        stats = await emulatorStats(emulator.url);
        return stats.openStreams === 0 && stats.modelCalls.inFlight === 0;
      }, 5_000);
      f.check(
        stats.openStreams === 0 && stats.modelCalls.inFlight === 0,
        `the emulator still had ${stats.openStreams} open stream(s) and ${stats.modelCalls.inFlight} model call(s) in flight after every stream ended`,
      );

      // Each attempt is one request: more would be a duplicated request, fewer a lost retry.
      const expectedCalls = records.reduce((n, r) => n + expectedRequests(r).requests, 0);
      const expectedFaults: Record<string, number> = {};
      for (const r of records) {
        if (!r.fault) continue;
        expectedFaults[r.fault.kind] =
          (expectedFaults[r.fault.kind] ?? 0) + expectedRequests(r).faults;
      }
      const calls = stats.requests['POST /v1/chat/completions'] ?? 0;
      f.check(
        calls === expectedCalls,
        `the emulator received ${calls} chat requests, expected ${expectedCalls} (one per attempt, restart or retry)`,
      );
      for (const kind of ['429', '500', 'drop-after']) {
        f.check(
          (stats.faultsInjected[kind] ?? 0) === (expectedFaults[kind] ?? 0),
          `the emulator injected ${stats.faultsInjected[kind] ?? 0} "${kind}" faults, expected ${expectedFaults[kind] ?? 0}`,
        );
      }
      const recoverable = records.filter(
        (r) => r.fault && expectedOutcome(r).terminal === 'response-end',
      ).length;

      f.survived.push(
        `${ended + errored} of ${STREAMS} streams ended exactly once: ${ended} in response-end, ${errored} in a StreamError (${Object.entries(
          codes,
        )
          .map(([c, n]) => `${c} ${n}`)
          .join(', ')}); ${hung} hung`,
        `${recovered} of the ${recoverable} faulted streams that could recover did, by a retry or a restart (${restarted.length} after a restart event); the ${faulted.length - recoverable} others (a fault on every attempt, or a cut under 'error') ended in the StreamError their fault calls for`,
        `every completed stream's text equals its deltas since the last restart: no chunk lost or repeated`,
        `each outcome matched its fault (${verdicts.filter((v) => v.problems.length === 0).length} of ${STREAMS}); ${rejections.length} unhandled rejections; the emulator ended with ${stats.openStreams} open streams`,
        `the emulator received ${calls} chat requests (${expectedCalls} expected: one per attempt) and injected ${Object.entries(
          stats.faultsInjected,
        )
          .map(([k, n]) => `${n} "${k}"`)
          .join(
            ', ',
          )} faults${f.failures.some((x) => x.startsWith('the emulator')) ? '' : ', as planned'}`,
      );
      Object.assign(f.facts, {
        streams: STREAMS,
        faulted: faulted.length,
        responseEnd: ended,
        streamError: errored,
        hung,
        recovered,
        unhandledRejections: rejections.length,
        modelCalls: stats.modelCalls.total,
      });
      return { name: 'streams', title: this.title, seed: ctx.seed, ...f };
    } finally {
      process.off('unhandledRejection', onRejection);
      await emulator.close();
    }
  },
};
