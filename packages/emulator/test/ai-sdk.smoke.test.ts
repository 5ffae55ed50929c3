import { createMistral } from '@ai-sdk/mistral';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestEmulator } from './support/test-emulator.js';

/** A client this project did not write, driven against the emulator. */
describe('Vercel AI SDK (@ai-sdk/mistral) against the emulator', () => {
  it('generates text, streams text and runs a tool loop', async () => {
    const { url, emulator } = await startTestEmulator();
    const mistral = createMistral({ baseURL: `${url}/v1`, apiKey: 'test-key' });
    const model = mistral('mistral-small-latest');

    const generated = await generateText({ model, prompt: 'Explain how tides work on the coast' });
    expect(generated.text.toLowerCase()).toMatch(/tides|coast/);
    expect(generated.finishReason).toBe('stop');
    expect(generated.usage.outputTokens).toBeGreaterThan(0);

    const streamed = streamText({ model, prompt: 'Explain how tides work on the coast' });
    let text = '';
    for await (const delta of streamed.textStream) text += delta;
    expect(text).toBe(generated.text);

    const calls: string[] = [];
    const result = await generateText({
      model,
      prompt: 'Use get_weather for "Marseille"',
      stopWhen: stepCountIs(3),
      tools: {
        get_weather: tool({
          description: 'Get the current weather for a city',
          inputSchema: z.object({ city: z.string() }),
          execute: ({ city }) => {
            calls.push(city);
            return Promise.resolve({ city, forecast: 'windy' });
          },
        }),
      },
    });
    expect(calls).toEqual(['Marseille']);
    expect(result.steps).toHaveLength(2);
    expect(result.text).toContain('windy');
    expect(emulator.stats().toolCalls).toBe(1);
  });
});
