import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { machineGraph, type MachineGraph } from '../machine-graph.js';
import { jobMachine, lightMachine } from '../../test/fixtures/machines.js';
import { diagramModel, triggerLabel } from './diagram-model.js';

const fixture = (name: string): MachineGraph =>
  JSON.parse(
    readFileSync(new URL(`../../test/fixtures/graphs/${name}.json`, import.meta.url), 'utf8'),
  ) as MachineGraph;

describe('diagramModel', () => {
  it('writes the triggers that keep a state inside it, not as arrows', () => {
    const model = diagramModel(machineGraph(jobMachine));
    const streaming = model.states.find((state) => state.node.key === 'streaming')!;
    expect(streaming.lines).toEqual(['job.chunk']);
    expect(model.arrows.some((arrow) => arrow.lines.includes('job.chunk'))).toBe(false);
    const uploading = model.states.find((state) => state.node.key === 'uploading')!;
    expect(uploading.lines).toEqual(['invoke upload']);
    // One invoked actor: its outcome is `done`, not `done: upload`.
    expect(model.arrows.find((arrow) => arrow.source === 'job.work.uploading')?.lines).toEqual([
      'done',
    ]);
  });

  it('writes a transition from a state into its own child in that state', () => {
    const model = diagramModel(machineGraph(lightMachine));
    expect(model.states[0]!.lines).toEqual(['light.break [canBreak] → broken']);
  });

  it('meets the guarded alternatives of one trigger in a choice point', () => {
    const model = diagramModel(fixture('conversation'));
    const choice = model.choices.find((item) => item.trigger === 'model.end')!;
    expect(choice.source).toBe('conversation.responding');
    const from = (source: string) => model.arrows.filter((arrow) => arrow.source === source);
    expect(from(choice.id).map((arrow) => [arrow.target, arrow.lines])).toEqual([
      ['conversation.checkingCalls', ['[hasToolCalls]']],
      ['conversation.idle', ['else']],
    ]);
    // Branches into the same state share one arrow.
    const always = model.choices.find((item) => item.source === 'conversation.checkingCalls')!;
    expect(
      from(always.id).find((arrow) => arrow.target === 'conversation.responding')?.lines,
    ).toEqual(['[repeatedCall]', '[stepLimitReached]']);
  });

  it('writes a trigger shared by three or more states as `trigger → target` in each', () => {
    const model = diagramModel(fixture('conversation'));
    const lines = (key: string) => model.states.find((state) => state.node.key === key)!.lines;
    for (const key of ['responding', 'awaitingApproval', 'runningTools', 'retrying']) {
      expect(lines(key)).toContain('user.cancel → idle');
    }
    expect(model.arrows.some((arrow) => arrow.lines.includes('user.cancel'))).toBe(false);
    const batch = diagramModel(fixture('batch'));
    expect(batch.states.find((state) => state.node.key === 'uploading')!.lines).toContain(
      'error → failed',
    );
  });

  it('merges arrows with the same source and target', () => {
    const model = diagramModel(fixture('conversation'));
    const retry = model.arrows.filter(
      (arrow) =>
        arrow.source === 'conversation.retrying' && arrow.target === 'conversation.responding',
    );
    expect(retry.map((arrow) => arrow.lines)).toEqual([['user.retry', 'after retryDelay']]);
  });
});

describe('triggerLabel', () => {
  it('drops the guard from a label', () => {
    const edge = fixture('conversation').edges.find((item) => item.guard === 'hasToolCalls')!;
    expect(edge.label).toBe('model.end [hasToolCalls]');
    expect(triggerLabel(edge)).toBe('model.end');
  });
});
