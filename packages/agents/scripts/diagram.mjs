// Writes the conversation machine's diagram into README.md, between the diagram markers, from the
// machine itself (`pnpm --filter @mistral-flows/agents diagram` after `pnpm build`). A unit test
// fails when the README's diagram no longer matches the machine.
import { readFileSync, writeFileSync } from 'node:fs';
import { toMermaid } from '@mistral-flows/visualizer';
import { conversationMachine } from '@mistral-flows/agents';

const readme = new URL('../README.md', import.meta.url);
const text = readFileSync(readme, 'utf8');
const block = [
  '<!-- diagram:start -->',
  '',
  '```mermaid',
  toMermaid(conversationMachine).trim(),
  '```',
  '',
  '<!-- diagram:end -->',
].join('\n');
const next = text.replace(/<!-- diagram:start -->[\s\S]*<!-- diagram:end -->/, block);
writeFileSync(readme, next);
console.log(next === text ? 'README diagram already up to date' : 'README diagram updated');
