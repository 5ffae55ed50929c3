import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { WriteStream } from 'node:fs';
import type { Store } from '@mistral-flows/core';
import { fromPromise } from 'xstate';
import { BatchError } from '../errors.js';
import type { BatchRequestInput } from '../jsonl/batch-request.js';
import { toBatchLines } from '../jsonl/write-batch-file.js';
import {
  shardKey,
  type PreparedShards,
  type PrepareShardsArgs,
  type ShardInfo,
} from '../machine/batch-run-machine.js';
import { runStartedAt } from './batch-records.js';
import { fileStem, inputPath, manifestPath } from './paths.js';
import { join } from 'node:path';

/**
 * The `prepareShards` actor: records in `store` when the batch first started (before anything
 * else, so that every job of it is created later), validates the whole input (so duplicates
 * across shards are found) and streams it into one input file per shard. A manifest written last
 * makes the result reusable after a crash: a resumed batch with a manifest never needs the
 * requests again.
 */
export function prepareShardsActor(
  requests: Iterable<BatchRequestInput> | AsyncIterable<BatchRequestInput> | undefined,
  store: Store,
) {
  return fromPromise<PreparedShards, PrepareShardsArgs>(async ({ input }) => {
    const startedAt = await runStartedAt(store, input.key);
    return { shards: await prepare(input), startedAt };
  });

  async function prepare(input: PrepareShardsArgs): Promise<ShardInfo[]> {
    await mkdir(input.workDir, { recursive: true });
    const manifest = manifestPath(input.workDir, input.key);
    if (existsSync(manifest)) return readManifest(manifest, input.key);
    if (!requests) {
      throw new BatchError(
        'batch_not_found',
        `Batch "${input.key}" was never prepared here and no requests were given to prepare it`,
      );
    }
    const shards: Array<{ tmp: string; lines: number; bytes: number; out: WriteStream }> = [];
    let current: (typeof shards)[number] | undefined;
    let buffer = '';
    const flush = async () => {
      if (!current || buffer === '') return;
      const chunk = buffer;
      buffer = '';
      if (!current.out.write(chunk))
        await new Promise<void>((resolve) => current!.out.once('drain', resolve));
    };
    const open = () => {
      const tmp = join(
        input.workDir,
        `${fileStem(input.key)}.shard${shards.length}.${process.pid}.tmp`,
      );
      current = { tmp, lines: 0, bytes: 0, out: createWriteStream(tmp) };
      shards.push(current);
    };
    try {
      for await (const line of toBatchLines(requests, {
        endpoint: input.endpoint,
        requireBodyModel: input.requireBodyModel,
      })) {
        const size = Buffer.byteLength(line) + 1;
        if (
          !current ||
          current.lines >= input.maxRequestsPerJob ||
          (current.lines > 0 && current.bytes + size > input.maxBytesPerJob)
        ) {
          await flush();
          open();
        }
        buffer += line + '\n';
        current!.lines++;
        current!.bytes += size;
        if (buffer.length >= 65_536) await flush();
      }
      await flush();
      for (const shard of shards)
        await new Promise<void>((resolve, reject) =>
          shard.out.end((e?: Error | null) => (e ? reject(e) : resolve())),
        );
    } catch (error) {
      for (const shard of shards) {
        shard.out.destroy();
        await rm(shard.tmp, { force: true });
      }
      throw error;
    }
    const infos: ShardInfo[] = [];
    for (const [index, shard] of shards.entries()) {
      const key = shardKey(input.key, index, shards.length);
      await rename(shard.tmp, inputPath(input.workDir, key, 1));
      infos.push({ key, index, lines: shard.lines, bytes: shard.bytes });
    }
    const record: Manifest = { format: 2, key: input.key, shards: infos };
    await writeFile(`${manifest}.tmp`, JSON.stringify(record));
    await rename(`${manifest}.tmp`, manifest);
    return infos;
  }
}

/** The manifest file: the batch key it belongs to and its shards. */
interface Manifest {
  format: 2;
  key: string;
  shards: ShardInfo[];
}

/** The shards a manifest records, when it records this batch's key; else a typed error. */
async function readManifest(path: string, key: string): Promise<ShardInfo[]> {
  const text = await readFile(path, 'utf8');
  let parsed: Partial<Manifest> | undefined;
  try {
    parsed = JSON.parse(text) as Partial<Manifest>;
  } catch {
    parsed = undefined;
  }
  if (parsed?.key !== key || !Array.isArray(parsed.shards)) {
    const owner =
      typeof parsed?.key === 'string' ? `batch "${parsed.key}"` : 'no batch key this version reads';
    throw new BatchError(
      'batch_key_mismatch',
      `The manifest ${path} records ${owner}, not "${key}": refusing to run another batch's shards`,
    );
  }
  return parsed.shards;
}
