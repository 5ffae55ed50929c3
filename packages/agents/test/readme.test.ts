import { readFileSync } from 'node:fs';
import { toMermaid } from '@mistral-flows/visualizer';
import { describe, expect, it } from 'vitest';
import { conversationMachine } from '../src/index.js';

describe('README', () => {
  it('shows the diagram of the current conversation machine', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block =
      /<!-- diagram:start -->\s*```mermaid\n([\s\S]*?)\n```\s*<!-- diagram:end -->/.exec(
        readme,
      )?.[1];
    expect(block, 'run `pnpm --filter @mistral-flows/agents diagram`').toBe(
      toMermaid(conversationMachine).trim(),
    );
  });
});
