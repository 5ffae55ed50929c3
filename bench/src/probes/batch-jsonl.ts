// One contender of the JSONL benchmark in a fresh process, so that its peak RSS is its own:
// `node batch-jsonl.js <write|write-bare|read|read-bare> <file> <count>` prints
// `{ ms, lines, maxRssMb }`.
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { readBatchResults, writeBatchFile } from '@mistral-flows/batch';

const [mode, file, countArg] = process.argv.slice(2);
const count = Number(countArg);

function* requests() {
  for (let i = 0; i < count; i++) {
    yield {
      customId: `req-${i}`,
      body: {
        model: 'mistral-small-latest',
        messages: [
          {
            role: 'user',
            content: `Summarize item ${i}: the quick brown fox jumps over the lazy dog.`,
          },
        ],
        max_tokens: 100,
      },
    };
  }
}

const started = performance.now();
let lines = 0;
switch (mode) {
  case 'write': {
    lines = (await writeBatchFile(requests(), file!)).lines;
    break;
  }
  case 'write-bare': {
    const out = createWriteStream(file!);
    for (const r of requests()) {
      if (!out.write(JSON.stringify({ custom_id: r.customId, body: r.body }) + '\n'))
        await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      lines++;
    }
    await new Promise<void>((resolve) => out.end(resolve));
    break;
  }
  case 'read': {
    for await (const line of readBatchResults(file!)) if (line.kind === 'result') lines++;
    break;
  }
  case 'read-bare': {
    for await (const line of createInterface({
      input: createReadStream(file!),
      crlfDelay: Infinity,
    })) {
      const parsed = JSON.parse(line) as { custom_id?: string };
      if (parsed.custom_id) lines++;
    }
    break;
  }
  default:
    throw new Error(`unknown mode ${mode}`);
}
const ms = performance.now() - started;
console.log(JSON.stringify({ ms, lines, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
