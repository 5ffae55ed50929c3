import { assign, createActor, setup } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { createVisualizer, type FullState, type Visualizer } from '@mistral-flows/visualizer';
import { currentSeq, SseClient } from './sse-client.js';

const counter = setup({
  types: { context: {} as { count: number }, events: {} as { type: 'counter.add'; by: number } },
}).createMachine({
  id: 'counter',
  context: { count: 0 },
  on: {
    'counter.add': { actions: assign({ count: ({ context, event }) => context.count + event.by }) },
  },
});

describe('createVisualizer event stream', () => {
  let visualizer: Visualizer | undefined;
  const clients: SseClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await visualizer?.close();
    visualizer = undefined;
  });
  const open = async (lastEventId?: number, query = ''): Promise<SseClient> => {
    const client = await SseClient.open(
      new URL(`events${query}`, visualizer!.url).href,
      lastEventId,
    );
    clients.push(client);
    return client;
  };

  it('starts a new page with the full state, then streams records with consecutive ids', async () => {
    visualizer = await createVisualizer();
    const actor = createActor(counter, { id: 'c1', inspect: visualizer.inspect }).start();
    const before = await currentSeq(visualizer.url);
    const client = await open();
    await client.waitForId(before);
    const first = client.messages[0]!;
    expect(first.event).toBe('state');
    expect(Number(first.id)).toBe(before);
    const state = JSON.parse(first.data) as FullState;
    expect(state.actors.map((a) => a.id)).toEqual(['c1']);
    expect(state.records.map((r) => r.seq)).toEqual(
      Array.from({ length: before }, (_, i) => i + 1),
    );

    actor.send({ type: 'counter.add', by: 2 });
    actor.send({ type: 'counter.add', by: 3 });
    const after = await currentSeq(visualizer.url);
    await client.waitForId(after);
    expect(client.recordIds()).toEqual(range(before + 1, after));
    actor.stop();
  });

  it('resumes with Last-Event-ID: exactly the missed records, none twice', async () => {
    visualizer = await createVisualizer();
    const actor = createActor(counter, { id: 'c1', inspect: visualizer.inspect }).start();
    const witness = await open();
    const dropped = await open();
    for (let i = 0; i < 5; i++) actor.send({ type: 'counter.add', by: i });
    const cut = await currentSeq(visualizer.url);
    await dropped.waitForId(cut);
    await dropped.close();

    for (let i = 0; i < 20; i++) actor.send({ type: 'counter.add', by: 10 });
    const missedUpTo = await currentSeq(visualizer.url);
    const resumed = await open(dropped.lastId());
    await resumed.waitForId(missedUpTo);
    for (let i = 0; i < 3; i++) actor.send({ type: 'counter.add', by: 100 });
    const end = await currentSeq(visualizer.url);
    await resumed.waitForId(end);
    await witness.waitForId(end);

    expect(resumed.messages.some((m) => m.event === 'state')).toBe(false);
    expect(resumed.recordIds()).toEqual(range(cut + 1, end));
    // The page that dropped out and came back has read exactly what one that never left read.
    const stitched = [...dropped.messages, ...resumed.messages].filter(
      (m) => m.event === 'message',
    );
    expect(stitched).toEqual(witness.messages.filter((m) => m.event === 'message'));
    actor.stop();
  });

  it('accepts the last id as a query parameter', async () => {
    visualizer = await createVisualizer();
    const actor = createActor(counter, { inspect: visualizer.inspect }).start();
    actor.send({ type: 'counter.add', by: 1 });
    const end = await currentSeq(visualizer.url);
    const client = await open(undefined, `?lastEventId=${end - 2}`);
    await client.waitForId(end);
    expect(client.recordIds()).toEqual([end - 1, end]);
    actor.stop();
  });

  it('sends a fresh full state when the missed records are no longer held', async () => {
    visualizer = await createVisualizer({ replay: { maxEntries: 5 } });
    const actor = createActor(counter, { id: 'c1', inspect: visualizer.inspect }).start();
    for (let i = 0; i < 10; i++) actor.send({ type: 'counter.add', by: 1 });
    const end = await currentSeq(visualizer.url);
    const client = await open(1);
    await client.waitForId(end);
    expect(client.messages.map((m) => m.event)).toEqual(['state']);
    const state = JSON.parse(client.messages[0]!.data) as FullState;
    expect(state.seq).toBe(end);
    expect(state.records.map((r) => r.seq)).toEqual(range(end - 4, end));
    expect(state.actors[0]!.latest?.context).toEqual({ count: 10 });
    actor.stop();
  });

  it('sends a fresh full state to a page of an earlier server (an id from the future)', async () => {
    visualizer = await createVisualizer();
    const client = await open(1_000);
    await client.waitForId(0);
    expect(client.messages.map((m) => m.event)).toEqual(['state']);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
