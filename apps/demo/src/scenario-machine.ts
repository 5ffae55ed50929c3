import { assign, setup, type ActorRefFrom } from 'xstate';

export interface ScenarioContext {
  name: string;
  title: string;
  /** Read by the visualizer's progress bar. */
  progress: { completed: number; total: number } | undefined;
  /** Read by the visualizer as streamed text (absent for scenarios that stream nothing). */
  text: string | undefined;
  reason: string | undefined;
}

export type ScenarioMachineEvent =
  | { type: 'scenario.start' }
  | { type: 'scenario.progress'; completed: number; total: number }
  | { type: 'scenario.text'; text: string }
  | { type: 'scenario.pass' }
  | { type: 'scenario.fail'; reason: string }
  | { type: 'scenario.skip'; reason: string };

/**
 * One demo scenario as an actor, so that `--ui` shows the whole demo in the visualizer next to
 * the actors the scenarios start: `waiting` -> `running` -> `passed` | `failed` | `skipped`.
 */
export const scenarioMachine = setup({
  types: {
    context: {} as ScenarioContext,
    input: {} as { name: string; title: string },
    events: {} as ScenarioMachineEvent,
  },
  actions: {
    recordProgress: assign({
      progress: ({ event }) =>
        event.type === 'scenario.progress'
          ? { completed: event.completed, total: event.total }
          : undefined,
    }),
    recordText: assign({
      text: ({ event }) => (event.type === 'scenario.text' ? event.text : undefined),
    }),
    recordReason: assign({
      reason: ({ event }) =>
        event.type === 'scenario.fail' || event.type === 'scenario.skip' ? event.reason : undefined,
    }),
  },
}).createMachine({
  id: 'scenario',
  context: ({ input }) => ({ ...input, progress: undefined, text: undefined, reason: undefined }),
  initial: 'waiting',
  states: {
    waiting: {
      on: {
        'scenario.start': 'running',
        'scenario.skip': { target: 'skipped', actions: 'recordReason' },
      },
    },
    running: {
      on: {
        'scenario.progress': { actions: 'recordProgress' },
        'scenario.text': { actions: 'recordText' },
        'scenario.pass': 'passed',
        'scenario.fail': { target: 'failed', actions: 'recordReason' },
        'scenario.skip': { target: 'skipped', actions: 'recordReason' },
      },
    },
    passed: { type: 'final' },
    failed: { type: 'final' },
    skipped: { type: 'final' },
  },
});

export type ScenarioActor = ActorRefFrom<typeof scenarioMachine>;
