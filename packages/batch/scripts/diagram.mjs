// Writes the batch machines' diagrams into README.md, between the diagram markers, from the
// machines themselves (`pnpm --filter @mistral-flows/batch diagram` after `pnpm build`). A unit
// test fails when the README's diagrams no longer match the machines.
import { readFileSync, writeFileSync } from 'node:fs';
import { toMermaid } from '@mistral-flows/visualizer';
import { batchMachine, batchRunMachine } from '@mistral-flows/batch';

const readme = new URL('../README.md', import.meta.url);
let text = readFileSync(readme, 'utf8');
const before = text;
for (const [name, machine] of [
  ['batch', batchMachine],
  ['batch-run', batchRunMachine],
]) {
  const block = [
    `<!-- diagram:${name}:start -->`,
    '',
    '```mermaid',
    toMermaid(machine).trim(),
    '```',
    '',
    `<!-- diagram:${name}:end -->`,
  ].join('\n');
  text = text.replace(
    new RegExp(`<!-- diagram:${name}:start -->[\\s\\S]*<!-- diagram:${name}:end -->`),
    block,
  );
}
writeFileSync(readme, text);
console.log(text === before ? 'README diagrams already up to date' : 'README diagrams updated');
