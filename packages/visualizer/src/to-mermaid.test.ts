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

  it('accepts a graph as well as a machine', () => {
    expect(toMermaid(machineGraph(machine))).toBe(toMermaid(machine));
  });

  it('keeps labels and names within what Mermaid parses', () => {
    const odd = setup({}).createMachine({
      id: 'odd',
      initial: '1st',
      states: { '1st': { on: { 'a:b;c#d': 'second-state' } }, 'second-state': {} },
    });
    const text = toMermaid(odd);
    expect(text).toContain('[*] --> s_1st');
    expect(text).toContain('s_1st --> second_state : a b c d');
  });
});
