import { createActor, fromPromise, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { ActorRecord, EventRecord, SnapshotRecord, VisualizerRecord } from './protocol.js';
import { Recorder } from './recorder.js';

const child = fromPromise(async () => 'ok');
const parentMachine = setup({
  types: { context: {} as { apiKey: string; count: number } },
  actors: { child },
}).createMachine({
  id: 'parent',
  initial: 'idle',
  context: { apiKey: 'sk-live', count: 0 },
  states: {
    idle: { on: { 'user.go': 'working' } },
    working: { invoke: { id: 'job', src: 'child', onDone: 'done' } },
    done: { type: 'final' },
  },
});

function record(): { recorder: Recorder; records: VisualizerRecord[] } {
  const records: VisualizerRecord[] = [];
  let t = 1_000;
  const recorder = new Recorder({ onRecord: (r) => records.push(r), now: () => t++ });
  return { recorder, records };
}

describe('Recorder', () => {
  it('records actors, events and snapshots of an actor and its children, numbered from 1', async () => {
    const { recorder, records } = record();
    const actor = createActor(parentMachine, { id: 'p1', inspect: recorder.inspect }).start();
    actor.send({ type: 'user.go', extra: 1 });
    await new Promise<void>((resolve) => actor.subscribe({ complete: resolve }));

    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i + 1));
    const actors = records.filter((r): r is ActorRecord => r.type === 'actor');
    expect(actors.map((r) => [r.actor.id, r.actor.name, r.actor.kind])).toEqual([
      ['p1', 'parent', 'machine'],
      ['job', 'child', 'actor'],
    ]);
    expect(actors[0]!.graph?.id).toBe('parent');
    expect(actors[1]!.actor.parent).toBe(actors[0]!.actor.key);
    expect(actors[1]!.actor.root).toBe(actors[0]!.actor.key);

    const events = records.filter((r): r is EventRecord => r.type === 'event');
    expect(events.find((e) => e.event === 'user.go')).toMatchObject({ payload: { extra: 1 } });
    expect(events.find((e) => e.event.startsWith('xstate.done.actor.job'))).toMatchObject({
      actor: actors[0]!.actor.key,
      source: actors[1]!.actor.key,
    });

    const snapshots = records.filter(
      (r): r is SnapshotRecord => r.type === 'snapshot' && r.actor === actors[0]!.actor.key,
    );
    expect(snapshots.map((s) => [s.event, s.value, s.status])).toEqual([
      ['xstate.init', 'idle', 'active'],
      ['user.go', 'working', 'active'],
      ['xstate.done.actor.job', 'done', 'done'],
    ]);
    expect(snapshots[0]!.context).toEqual({ apiKey: '[REDACTED]', count: 0 });
    expect(JSON.stringify(records)).not.toContain('sk-live');
  });

  it('keeps the latest snapshot of every actor and each graph once', () => {
    const { recorder } = record();
    const a = createActor(parentMachine, { id: 'a', inspect: recorder.inspect }).start();
    const b = createActor(parentMachine.provide({}), {
      id: 'b',
      inspect: recorder.inspect,
    }).start();
    a.send({ type: 'user.go' });
    const state = recorder.state();
    expect(Object.keys(state.graphs)).toEqual(['parent']);
    expect(state.actors.map((actor) => [actor.id, actor.graph, actor.latest?.value])).toEqual([
      ['a', 'parent', 'working'],
      ['b', 'parent', 'idle'],
      ['job', undefined, undefined],
    ]);
    expect(state.actors[2]!.latest?.status).toBe('active');
    expect(state.seq).toBe(recorder.seq);
    a.stop();
    b.stop();
  });

  it('records the stop of an actor and forgets finished actors beyond its limit', () => {
    const records: VisualizerRecord[] = [];
    const recorder = new Recorder({ onRecord: (r) => records.push(r), maxActors: 2 });
    const machine = setup({}).createMachine({ id: 'm', initial: 'a', states: { a: {} } });
    const first = createActor(machine, { id: 'first', inspect: recorder.inspect }).start();
    first.stop();
    expect(records.at(-1)).toMatchObject({
      type: 'snapshot',
      status: 'stopped',
      event: 'xstate.stop',
    });
    const live = [1, 2].map((n) =>
      createActor(machine, { id: `live${n}`, inspect: recorder.inspect }).start(),
    );
    expect(recorder.state().actors.map((actor) => actor.id)).toEqual(['live1', 'live2']);
    for (const actor of live) actor.stop();
  });

  it('never throws into XState, and ignores events after close', () => {
    const errors: unknown[] = [];
    const recorder = new Recorder({
      onRecord: () => {
        throw new Error('sink failed');
      },
      onError: (error) => errors.push(error),
    });
    const machine = setup({}).createMachine({
      id: 'm',
      initial: 'a',
      states: { a: { on: { go: 'b' } }, b: {} },
    });
    const actor = createActor(machine, { inspect: recorder.inspect }).start();
    actor.send({ type: 'go' });
    expect(actor.getSnapshot().value).toBe('b');
    expect(errors.length).toBeGreaterThan(0);

    const count = errors.length;
    recorder.close();
    actor.send({ type: 'go' });
    expect(errors.length).toBe(count);
    actor.stop();
  });
});
