import { execFileSync } from 'node:child_process';
import { createClient } from '@mistral-flows/core';
import { startEmulator } from '@mistral-flows/emulator';
import { TEST_WIRE_VARIABLE, testWire } from '@mistral-flows/testing';
import { Mistral } from '@mistralai/mistralai';
import { describe, expect, it } from 'vitest';

// The stream, agents and queue suites run once per wire: the `*-fast-wire` vitest projects set
// MISTRAL_FLOWS_TEST_WIRE=fast. This file runs in `unit` and in `unit-fast-wire` and checks that
// the variable, the project and the clients the suites build agree.
describe('the wire these suites run on', () => {
  it('is the fast wire exactly in the *-fast-wire projects', ({ task }) => {
    const fastProject = task.file.projectName?.endsWith('-fast-wire') ?? false;
    expect(testWire()).toBe(fastProject ? 'fast' : 'sdk');
  });

  it("is the one of the clients the tests build: the fast wire replaces the SDK's chat and agents methods", async () => {
    const emulator = await startEmulator({ latency: { ttftMs: 0, tokenMs: 0 } });
    try {
      const client = createClient({ serverURL: emulator.url, wire: testWire() });
      const sdkChat = Object.getPrototypeOf(client.chat) as typeof client.chat;
      const sdkAgents = Object.getPrototypeOf(client.agents) as typeof client.agents;
      const replaced = [
        client.chat.complete !== sdkChat.complete,
        client.chat.stream !== sdkChat.stream,
        client.agents.complete !== sdkAgents.complete,
        client.agents.stream !== sdkAgents.stream,
      ];
      expect(replaced).toEqual(Array(4).fill(testWire() === 'fast'));
      expect(client).toBeInstanceOf(Mistral);
      const answer = await client.chat.complete({
        model: 'mistral-small-latest',
        messages: [{ role: 'user', content: 'Say hello.' }],
      });
      expect(answer.choices[0]?.message?.content).toEqual(expect.any(String));
    } finally {
      await emulator.close();
    }
  });

  it('reaches the fixture processes the suites spawn, through the environment', () => {
    const seen = execFileSync(process.execPath, [
      '-e',
      `process.stdout.write(process.env.${TEST_WIRE_VARIABLE} ?? '')`,
    ]).toString();
    expect(seen === '' ? 'sdk' : seen).toBe(testWire());
  });
});
