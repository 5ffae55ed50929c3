import { and, fromPromise, not, setup, stateIn } from 'xstate';
import { describe, expect, it } from 'vitest';
import { guardName, machineGraph, type MachineGraph } from './machine-graph.js';

const machine = setup({
  guards: { isReady: () => true, isBusy: () => false, hasQuota: () => true },
  actors: { fetchUser: fromPromise(async () => 'user') },
  actions: { log: () => undefined, track: () => undefined },
  delays: { patience: 500 },
}).createMachine({
  id: 'shop',
  initial: 'idle',
  states: {
    idle: {
      on: {
        'user.open': { target: 'loading', guard: 'isReady' },
        'user.force': { target: 'loading', guard: and(['isReady', not('isBusy')]) },
        'user.ping': { actions: 'log' },
      },
      after: { 1000: 'loading', patience: { target: 'browsing', actions: 'track' } },
    },
    loading: {
      invoke: { id: 'user', src: 'fetchUser', onDone: 'browsing', onError: 'failed' },
    },
    browsing: {
      initial: 'list',
      states: {
        list: { on: { 'item.open': 'detail' } },
        detail: {
          always: [
            { guard: 'hasQuota', target: 'list' },
            { guard: stateIn('browsing.list'), target: 'list' },
          ],
        },
        resume: { type: 'history', history: 'deep' },
      },
      on: { 'checkout.start': 'checkout' },
    },
    checkout: {
      type: 'parallel',
      states: {
        payment: {
          initial: 'pending',
          states: { pending: { on: { 'payment.ok': 'paid' } }, paid: { type: 'final' } },
        },
        shipping: { initial: 'address', states: { address: {} } },
      },
      onDone: 'done',
      on: { 'checkout.back': 'browsing.resume' },
    },
    failed: { on: { 'user.retry': { target: 'loading', reenter: true } } },
    done: { type: 'final' },
  },
});

function node(graph: MachineGraph, path: string) {
  const found = graph.nodes.find((candidate) => candidate.path.join('.') === path);
  if (!found) throw new Error(`no node ${path}`);
  return found;
}

function edgesFrom(graph: MachineGraph, path: string) {
  return graph.edges.filter((edge) => edge.source === node(graph, path).id);
}

describe('machineGraph', () => {
  const graph = machineGraph(machine);

  it('lists every state, parents first, with its path and parent', () => {
    expect(graph.id).toBe('shop');
    expect(graph.nodes.map((n) => n.path.join('.'))).toEqual([
      '',
      'idle',
      'loading',
      'browsing',
      'browsing.list',
      'browsing.detail',
      'browsing.resume',
      'checkout',
      'checkout.payment',
      'checkout.payment.pending',
      'checkout.payment.paid',
      'checkout.shipping',
      'checkout.shipping.address',
      'failed',
      'done',
    ]);
    expect(node(graph, 'browsing.list').parentId).toBe('shop.browsing');
    expect(node(graph, '').parentId).toBeNull();
    expect(node(graph, 'browsing').children).toEqual([
      'shop.browsing.list',
      'shop.browsing.detail',
      'shop.browsing.resume',
    ]);
  });

  it('reports nested, parallel, history and final states and the initial ones', () => {
    expect(node(graph, '').type).toBe('compound');
    expect(node(graph, 'browsing').type).toBe('compound');
    expect(node(graph, 'checkout').type).toBe('parallel');
    expect(node(graph, 'browsing.resume')).toMatchObject({ type: 'history', history: 'deep' });
    expect(node(graph, 'done').type).toBe('final');
    expect(node(graph, 'checkout.payment.paid').type).toBe('final');
    expect(node(graph, 'idle').type).toBe('atomic');
    const initial = graph.nodes.filter((n) => n.initial).map((n) => n.path.join('.'));
    expect(initial).toEqual([
      'idle',
      'browsing.list',
      'checkout.payment.pending',
      'checkout.shipping.address',
    ]);
    // Regions of a parallel state are all entered; none is "the" initial one.
    expect(node(graph, 'checkout.payment').initial).toBe(false);
  });

  it('labels event transitions with their guards, and keeps targetless ones', () => {
    const idle = edgesFrom(graph, 'idle');
    expect(idle.find((e) => e.event === 'user.open')).toMatchObject({
      kind: 'event',
      targets: ['shop.loading'],
      guard: 'isReady',
      label: 'user.open [isReady]',
    });
    expect(idle.find((e) => e.event === 'user.force')).toMatchObject({
      guard: 'and(isReady, not(isBusy))',
      label: 'user.force [and(isReady, not(isBusy))]',
    });
    expect(idle.find((e) => e.event === 'user.ping')).toMatchObject({
      targets: [],
      actions: ['log'],
      label: 'user.ping',
    });
    expect(edgesFrom(graph, 'failed')[0]).toMatchObject({ event: 'user.retry', reenter: true });
  });

  it('extracts delayed transitions with numeric and named delays', () => {
    const delayed = edgesFrom(graph, 'idle').filter((e) => e.kind === 'after');
    expect(delayed).toEqual([
      expect.objectContaining({ delay: 1000, label: 'after 1000ms', targets: ['shop.loading'] }),
      expect.objectContaining({
        delay: 'patience',
        label: 'after patience',
        targets: ['shop.browsing'],
        actions: ['track'],
      }),
    ]);
    expect(delayed[0]!.event).toMatch(/^xstate\.after\.1000\./);
  });

  it('extracts eventless transitions in order, with their guards', () => {
    const always = edgesFrom(graph, 'browsing.detail');
    expect(always.map((e) => [e.kind, e.event, e.label])).toEqual([
      ['always', '', 'always [hasQuota]'],
      ['always', '', 'always [stateIn("browsing.list")]'],
    ]);
  });

  it('names invoke outcomes after the invoked actor and records the invoke', () => {
    expect(node(graph, 'loading').invoke).toEqual([{ id: 'user', src: 'fetchUser' }]);
    const loading = edgesFrom(graph, 'loading');
    expect(loading.map((e) => [e.kind, e.label, e.targets])).toEqual([
      ['invoke-done', 'done: fetchUser', ['shop.browsing']],
      ['invoke-error', 'error: fetchUser', ['shop.failed']],
    ]);
  });

  it('extracts the onDone of a parallel state and transitions to history states', () => {
    const checkout = edgesFrom(graph, 'checkout');
    expect(checkout.find((e) => e.kind === 'state-done')).toMatchObject({
      label: 'done',
      targets: ['shop.done'],
    });
    expect(checkout.find((e) => e.event === 'checkout.back')?.targets).toEqual([
      'shop.browsing.resume',
    ]);
  });

  it('produces plain data that survives JSON', () => {
    expect(JSON.parse(JSON.stringify(graph))).toEqual(graph);
    expect(new Set(graph.edges.map((e) => e.id)).size).toBe(graph.edges.length);
  });
});

describe('guardName', () => {
  it('names string, object, inline and composed guards', () => {
    expect(guardName(undefined)).toBeUndefined();
    expect(guardName('isReady')).toBe('isReady');
    expect(guardName({ type: 'hasRole', params: { role: 'admin' } })).toBe('hasRole');
    expect(guardName(() => true)).toBe('inline');
    expect(
      guardName(function isOdd() {
        return true;
      }),
    ).toBe('isOdd');
  });
});
