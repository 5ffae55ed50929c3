import { registerSecret } from '@mistral-flows/core';
import { describe, expect, it } from 'vitest';
import { createActor, fromCallback } from 'xstate';
import { prepareForResume } from '../conversation/create-conversation.js';
import { conversationMachine } from '../machine/conversation-machine.js';
import type { ConversationEvent } from '../machine/types.js';
import { ConversationSerializer, type PersistedConversation } from './persistence.js';

/** The machine with actors that never answer: the test sends the model's and tools' events. */
const logic = conversationMachine.provide({
  actors: {
    modelTurn: fromCallback(() => undefined),
    runTools: fromCallback(() => undefined),
  },
});

const end = (text: string, toolCalls: number): ConversationEvent => ({
  type: 'model.end',
  text,
  finishReason: toolCalls > 0 ? 'tool_calls' : 'stop',
  usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 },
  toolCalls: Array.from({ length: toolCalls }, (_, i) => ({
    id: `call_${i}`,
    name: 'lookup',
    arguments: `{"id":${i}}`,
    needsApproval: false,
  })),
});

describe('ConversationSerializer', () => {
  it('writes what getPersistedSnapshot gives, without children inputs, at every step', () => {
    const actor = createActor(logic, { input: { id: 'c1', agentId: 'ag' } }).start();
    const serializer = new ConversationSerializer('c1');
    const check = (state: string) => {
      const record = JSON.parse(serializer.serialize(actor).text) as PersistedConversation;
      const expected = JSON.parse(JSON.stringify(actor.getPersistedSnapshot())) as {
        children: Record<string, { snapshot: { input?: unknown } }>;
      };
      for (const child of Object.values(expected.children)) delete child.snapshot.input;
      expect(actor.getSnapshot().value).toBe(state);
      expect(record.snapshot).toEqual(expected);
      expect(record).toMatchObject({
        format: 2,
        id: 'c1',
        historyLength: actor.getSnapshot().context.messages.length,
      });
      return record;
    };

    check('idle');
    actor.send({ type: 'user.send', text: 'First question', stream: false });
    check('responding');
    actor.send(end('First answer', 0));
    check('idle');
    actor.send({ type: 'user.send', text: 'Look two things up', stream: false });
    actor.send(end('', 2));
    check('runningTools');
    actor.send({
      type: 'tool.result',
      result: { callId: 'call_0', name: 'lookup', ok: true, content: 'zero', durationMs: 1 },
    });
    check('runningTools');
    actor.send({
      type: 'tool.result',
      result: { callId: 'call_1', name: 'lookup', ok: true, content: 'one', durationMs: 1 },
    });
    check('responding');
    actor.send(end('Both found', 0));
    expect(check('idle').historyLength).toBe(7);
    // The history starts again: the kept JSON of the old one must not leak into the new one.
    actor.send({ type: 'user.reset' });
    expect(check('idle').historyLength).toBe(0);
    actor.send({ type: 'user.send', text: 'After the reset', stream: false });
    expect(check('responding').historyLength).toBe(1);
    actor.stop();
  });

  it('rebuilds the children inputs on resume from the stored context', () => {
    const actor = createActor(logic, { input: { id: 'c2', agentId: 'ag' } }).start();
    const serializer = new ConversationSerializer('c2');
    actor.send({ type: 'user.send', text: 'Look it up', stream: false });
    actor.send(end('', 1));
    const inTools = JSON.parse(serializer.serialize(actor).text) as PersistedConversation;
    const restoredTools = prepareForResume(inTools.snapshot) as {
      children: Record<string, { snapshot: { input: unknown } }>;
    };
    expect(Object.values(restoredTools.children).map((c) => c.snapshot.input)).toEqual([
      { conversationId: 'c2', calls: [expect.objectContaining({ id: 'call_0' })] },
    ]);
    actor.send({
      type: 'tool.result',
      result: { callId: 'call_0', name: 'lookup', ok: true, content: 'found', durationMs: 1 },
    });
    const inModel = JSON.parse(serializer.serialize(actor).text) as PersistedConversation;
    const restoredModel = prepareForResume(inModel.snapshot) as {
      children: Record<string, { snapshot: { input: unknown } }>;
    };
    const live = actor.getSnapshot().children;
    expect(Object.values(restoredModel.children).map((c) => c.snapshot.input)).toEqual(
      Object.values(live).map((c) => JSON.parse(JSON.stringify(c!.getSnapshot().input)) as unknown),
    );
    actor.stop();
  });

  it('resumes a format-1 record, whose context had every field at the top level', () => {
    const actor = createActor(logic, { input: { id: 'c4', model: 'm', maxSteps: 3 } }).start();
    actor.send({ type: 'user.send', text: 'Look it up', stream: false });
    actor.send(end('', 1));
    const record = JSON.parse(new ConversationSerializer('c4').serialize(actor).text) as {
      snapshot: { context: Record<string, unknown> };
    };
    const { config, current, ...rest } = record.snapshot.context as {
      config: Record<string, unknown>;
      current: Record<string, unknown>;
    };
    const { stream, results, usage, ...turn } = current;
    record.snapshot.context = {
      ...rest,
      ...config,
      ...turn,
      streamTurn: stream,
      turnResults: results,
      turnUsage: usage,
    };
    // With a snapshot the input is ignored: everything comes from the stored context.
    const restored = createActor(logic, {
      input: { id: 'c4' },
      snapshot: prepareForResume(record.snapshot) as never,
    }).start();
    expect(restored.getSnapshot().value).toBe('runningTools');
    expect(JSON.parse(JSON.stringify(restored.getSnapshot().context))).toEqual(
      JSON.parse(JSON.stringify(actor.getSnapshot().context)),
    );
    restored.send({
      type: 'tool.result',
      result: { callId: 'call_0', name: 'lookup', ok: true, content: 'found', durationMs: 1 },
    });
    expect(restored.getSnapshot().value).toBe('responding');
    expect(restored.getSnapshot().context.current.toolRounds).toBe(1);
    actor.stop();
    restored.stop();
  });

  it('redacts registered secrets, also from messages serialised before the secret was known', () => {
    const secret = 'sk-persistence-test-secret-0123456789';
    const actor = createActor(logic, { input: { id: 'c3', agentId: 'ag' } }).start();
    const serializer = new ConversationSerializer('c3');
    actor.send({ type: 'user.send', text: `My key is ${secret}`, stream: false });
    expect(serializer.serialize(actor).text).toContain(secret);
    registerSecret(secret);
    actor.send(end('Noted', 0));
    const text = serializer.serialize(actor).text;
    expect(text).not.toContain(secret);
    expect(text).toContain('My key is [REDACTED]');
    actor.stop();
  });
});
