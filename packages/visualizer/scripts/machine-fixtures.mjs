// Writes the graphs of the project's own machines (conversation, batch, batchRun) to
// test/fixtures/graphs/*.json, for the layout tests and the browser test. The visualizer cannot
// depend on the agents and batch packages (they depend on it), so their built output is read from
// the workspace: run `pnpm turbo run build --filter=@mistral-flows/agents... --filter=@mistral-flows/batch...`
// first, then `pnpm --filter @mistral-flows/visualizer fixtures`.
import { mkdir, writeFile } from 'node:fs/promises';

const root = new URL('../', import.meta.url);
const { machineGraph } = await import(new URL('dist/index.js', root).href);
const { conversationMachine } = await import(new URL('../agents/dist/index.js', root).href);
const { batchMachine, batchRunMachine } = await import(
  new URL('../batch/dist/index.js', root).href
);

const out = new URL('test/fixtures/graphs/', root);
await mkdir(out, { recursive: true });
for (const machine of [conversationMachine, batchMachine, batchRunMachine]) {
  const graph = machineGraph(machine);
  await writeFile(new URL(`${graph.id}.json`, out), `${JSON.stringify(graph, null, 2)}\n`);
  console.log(`${graph.id}: ${graph.nodes.length} states, ${graph.edges.length} transitions`);
}
