// One life of a worker of the shared-store batch chaos run: runs several batches at once, all in
// ONE SQLite file and one workDir shared with the other workers' processes. Each batch is resumed
// with resumeBatch when the store holds it, else started with runBatch. Prints `ready`, then per
// batch `done <key> <json>` when it succeeded or `failed <key> <json>` when it ended otherwise, and
// exits once every batch has ended. The chaos run kills it with SIGKILL at random moments.
import { createHash } from 'node:crypto';
import { batchKey, resumeBatch, runBatch, type BatchRun } from '@mistral-flows/batch';
import { createClient } from '@mistral-flows/core';
import { SqliteStore } from '@mistral-flows/core/sqlite';

interface Assignment {
  key: string;
  maxRequestsPerJob: number;
}

const [serverURL, dbPath, workDir, countArg, assignmentsArg] = process.argv.slice(2);
const count = Number(countArg);
const assignments = JSON.parse(assignmentsArg!) as Assignment[];
const say = (line: string) => process.stdout.write(`${line}\n`);

/**
 * The one word of request `i` of `key`, the only term of its prompt, so that the scripted model's
 * answer names it: an answer is checked to belong to its own batch and request.
 */
function token(key: string, i: number): string {
  return `w${createHash('sha256').update(key).digest('hex').slice(0, 10)}n${i}`;
}

// No API key: see batch-child.ts (a registered key would be redacted out of stored batch keys).
const client = createClient({ serverURL: serverURL! });
const store = new SqliteStore({ path: dbPath! });

async function runOne({ key, maxRequestsPerJob }: Assignment): Promise<void> {
  const requests = Array.from({ length: count }, (_, i) => ({
    customId: `${key}#${i}`,
    body: {
      messages: [{ role: 'user' as const, content: `Describe ${token(key, i)}.` }],
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
    requests,
  };
  const stored = await store.get(batchKey(key));
  const run: BatchRun = stored ? await resumeBatch(key, options) : runBatch({ ...options, key });
  const outcome = await run.done;
  let results = 0;
  const foreign: string[] = [];
  const notOk: string[] = [];
  const seen = new Set<string>();
  for await (const r of outcome.readResults()) {
    results++;
    seen.add(r.customId);
    const i = Number(r.customId.slice(key.length + 1));
    const own = r.customId.startsWith(`${key}#`) && Number.isInteger(i) && i >= 0 && i < count;
    const answer = JSON.stringify(r.body);
    if (!own || !answer.includes(token(key, i))) foreign.push(r.customId);
    else if (!r.ok) notOk.push(r.customId);
  }
  let missing = 0;
  for (let i = 0; i < count; i++) if (!seen.has(`${key}#${i}`)) missing++;
  const summary = {
    status: outcome.status,
    error: outcome.error ? `${outcome.error.code}: ${outcome.error.message}` : undefined,
    resumed: stored !== undefined,
    jobs: outcome.jobs.map((j) => j.id),
    results,
    missing,
    notOk: notOk.length,
    foreign: foreign.slice(0, 5),
    foreignCount: foreign.length,
  };
  say(`${outcome.status === 'succeeded' ? 'done' : 'failed'} ${key} ${JSON.stringify(summary)}`);
}

say(`ready ${process.pid}`);
await Promise.all(
  assignments.map((a) =>
    // A batch that could not even start (a rejected resume) is reported, and the others go on.
    runOne(a).catch((error: unknown) =>
      say(`failed ${a.key} ${JSON.stringify({ thrown: String(error) })}`),
    ),
  ),
);
await store.close();
process.exit(0);
