import { readFileSync } from 'node:fs';
import { toMermaid } from '@mistral-flows/visualizer';
import { describe, expect, it } from 'vitest';
import { batchMachine, batchRunMachine } from '../src/index.js';

describe('README', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  it.each([
    ['batch', batchMachine],
    ['batch-run', batchRunMachine],
  ] as const)('shows the diagram of the current %s machine', (name, machine) => {
    const block = new RegExp(
      `<!-- diagram:${name}:start -->\\s*\`\`\`mermaid\\n([\\s\\S]*?)\\n\`\`\`\\s*<!-- diagram:${name}:end -->`,
    ).exec(readme)?.[1];
    expect(block, 'run `pnpm --filter @mistral-flows/batch diagram`').toBe(
      toMermaid(machine).trim(),
    );
  });
});
