// One life of a batch for the batch chaos run: `start` calls runBatch, `resume` calls
// resumeBatch (or runBatch with the same key when the first life died before anything was
// stored). Prints `ready`, then `state <state> <status> <completed>/<total>` on each change, and
// `done <json>` with the outcome. The chaos run kills it with SIGKILL at random moments.
import { BatchError, resumeBatch, runBatch, type BatchRun } from '@mistral-flows/batch';
import { createClient } from '@mistral-flows/core';
import { SqliteStore } from '@mistral-flows/core/sqlite';

const [mode, serverURL, dbPath, workDir, key, countArg, perJobArg] = process.argv.slice(2);
const count = Number(countArg);
const maxRequestsPerJob = Number(perJobArg);
const say = (line: string) => process.stdout.write(`${line}\n`);

// No API key: core registers a client's key as a secret and `redact` replaces it wherever it
// appears in what runBatch persists, so a short key such as "chaos" would rewrite every batch
// key containing it (and the resumed batch would no longer find its shards).
const client = createClient({ serverURL: serverURL! });
const store = new SqliteStore({ path: dbPath! });
const requests = () =>
  Array.from({ length: count }, (_, i) => ({
    customId: `${key}-${i}`,
    body: {
      messages: [{ role: 'user' as const, content: `Summarize item ${i} of ${key} in one line.` }],
      max_tokens: 30,
    },
  }));
const options = {
  client,
  store,
  workDir: workDir!,
  model: 'mistral-small-latest',
  poll: { initialMs: 100, maxMs: 400, multiplier: 1.5 },
  maxRequestsPerJob,
  // Lets a resumed batch write its input again if the first life died before it was written.
  requests: requests(),
};

say(`ready ${mode} ${process.pid}`);
let run: BatchRun;
if (mode === 'start') {
  run = runBatch({ ...options, key: key! });
} else {
  try {
    run = await resumeBatch(key!, options);
    say('resumed');
  } catch (error) {
    if (!(BatchError.isInstance(error) && error.code === 'batch_not_found')) throw error;
    // Nothing was stored before the kill: the batch never started, so start it (same key).
    say('not-found');
    run = runBatch({ ...options, key: key! });
  }
}
let last = '';
run.progress$.subscribe((p) => {
  const line = `state ${p.state} ${p.status} ${p.completed}/${p.total}`;
  if (line !== last) say(line);
  last = line;
});
const outcome = await run.done;
const ids = new Set<string>();
const notOk: string[] = [];
if (outcome.results) {
  for (const [id, r] of outcome.results) {
    ids.add(id);
    if (!r.ok) notOk.push(id);
  }
} else {
  for await (const r of outcome.readResults()) {
    ids.add(r.customId);
    if (!r.ok) notOk.push(r.customId);
  }
}
const missing: string[] = [];
for (let i = 0; i < count; i++) if (!ids.has(`${key}-${i}`)) missing.push(`${key}-${i}`);
say(
  `done ${JSON.stringify({
    status: outcome.status,
    counts: outcome.counts,
    jobs: outcome.jobs.map((j) => j.id),
    results: ids.size,
    missing: missing.slice(0, 20),
    missingCount: missing.length,
    notOk: notOk.slice(0, 20),
    notOkCount: notOk.length,
  })}`,
);
await store.close();
process.exit(0);
