import { describe, expect, it } from 'vitest';
import { blockFileName, readmeBlocks } from './readme-blocks.js';

describe('readmeBlocks', () => {
  it('finds ts blocks with their line, and reads the marker comments before them', () => {
    const text = [
      '# Title',
      '```ts',
      'const a = 1;',
      '```',
      '<!-- readme-check: fragment -->',
      '',
      '```typescript',
      'declare const b: number;',
      '```',
      '<!-- readme-check: redis -->',
      '<!-- example:start -->',
      '```ts',
      'run();',
      '```',
      '```sh',
      'pnpm test',
      '```',
    ].join('\n');
    expect(readmeBlocks('packages/x/README.md', text)).toEqual([
      {
        readme: 'packages/x/README.md',
        line: 2,
        code: 'const a = 1;\n',
        mode: 'run',
        requires: [],
      },
      {
        readme: 'packages/x/README.md',
        line: 7,
        code: 'declare const b: number;\n',
        mode: 'fragment',
        requires: [],
      },
      {
        readme: 'packages/x/README.md',
        line: 12,
        code: 'run();\n',
        mode: 'run',
        requires: ['redis'],
      },
    ]);
  });

  it('names block files after the README and the line', () => {
    const [block] = readmeBlocks('packages/core/README.md', '\n\n```ts\nx\n```\n');
    expect(blockFileName(block!)).toBe('packages-core-README-md-L3');
  });
});
