import { setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import { machineGraph } from './machine-graph.js';
import { toMermaid } from './to-mermaid.js';

const machine = setup({ guards: { canPay: () => true } }).createMachine({
  id: 'order',
  initial: 'cart',
  states: {
    cart: { on: { 'cart.checkout': { target: 'checkout', guard: 'canPay' }, 'cart.touch': {} } },
    checkout: {
      type: 'parallel',
      states: {
        payment: {
          initial: 'pending',
          states: { pending: { on: { 'pay.ok': 'paid' } }, paid: { type: 'final' } },
        },
        shipping: {
          initial: 'address',
          states: { address: { on: { 'ship.back': '#order.cart' } } },
        },
      },
      onDone: 'complete',
    },
    complete: { type: 'final' },
    hist: { type: 'history' },
  },
});

describe('toMermaid', () => {
  it('renders a stateDiagram-v2 with nesting, regions, initial and final markers', () => {
    expect(toMermaid(machine, { direction: 'LR' })).toBe(
      [
        'stateDiagram-v2',
        '  direction LR',
        '  [*] --> cart',
        '  state "cart" as cart',
        '  state "checkout" as checkout {',
        '    state "payment" as checkout_payment {',
        '      [*] --> checkout_payment_pending',
        '      state "pending" as checkout_payment_pending',
        '      state "paid" as checkout_payment_paid',
        '      checkout_payment_paid --> [*]',
        '      checkout_payment_pending --> checkout_payment_paid : pay.ok',
        '    }',
        '    --',
        '    state "shipping" as checkout_shipping {',
        '      [*] --> checkout_shipping_address',
        '      state "address" as checkout_shipping_address',
        '    }',
        '  }',
        '  state "complete" as complete',
        '  state "H" as hist',
        '  complete --> [*]',
        '  cart --> checkout : cart.checkout [canPay]',
        '  cart --> cart : cart.touch',
        '  checkout --> complete : done',
        '  checkout_shipping_address --> cart : ship.back',
      ].join('\n'),
    );
  });

  it('wraps a parallel root, and a root with transitions of its own, in a state', () => {
    const parallel = setup({}).createMachine({
      id: 'job',
      type: 'parallel',
      states: {
        text: { initial: 'streaming', states: { streaming: {} } },
        work: { initial: 'running', states: { running: {} } },
      },
    });
    expect(toMermaid(parallel)).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> job',
        '  state "job" as job {',
        '    state "text" as text {',
        '      [*] --> text_streaming',
        '      state "streaming" as text_streaming',
        '    }',
        '    --',
        '    state "work" as work {',
        '      [*] --> work_running',
        '      state "running" as work_running',
        '    }',
        '  }',
      ].join('\n'),
    );

    const rooted = setup({}).createMachine({
      id: 'light',
      initial: 'green',
      states: {
        green: { on: { 'light.next': 'red' } },
        red: { initial: 'walk', states: { walk: { on: { 'light.next': '#light.green' } } } },
        broken: {},
      },
      on: { 'light.break': '.broken' },
    });
    expect(toMermaid(rooted)).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> light',
        '  state "light" as light {',
        '    [*] --> green',
        '    state "green" as green',
        '    state "red" as red {',
        '      [*] --> red_walk',
        '      state "walk" as red_walk',
        '    }',
        '    state "broken" as broken',
        '    green --> red : light.next',
        '  }',
        '  light --> broken : light.break',
        // Between states of different parents: at the top level, or Mermaid moves them.
        '  red_walk --> green : light.next',
      ].join('\n'),
    );
  });

  it('accepts a graph as well as a machine', () => {
    expect(toMermaid(machineGraph(machine))).toBe(toMermaid(machine));
  });

  it('keeps labels and names within what Mermaid parses', () => {
    const odd = setup({}).createMachine({
      id: 'odd',
      initial: '1st',
      states: { '1st': { on: { 'a:b;c#d': 'second-state' } }, 'second-state': {}, root: {} },
    });
    const text = toMermaid(odd);
    expect(text).toContain('[*] --> s_1st');
    expect(text).toContain('s_1st --> second_state : a b c d');
    expect(text).toContain('state "root" as s_root'); // `root` names Mermaid's own top level
  });
});
