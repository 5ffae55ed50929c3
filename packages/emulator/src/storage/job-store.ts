import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BatchJobRecord } from '../batch/batch-job.js';
import { writeFileAtomicSync } from './atomic-write.js';
import { loadRecords } from './load-records.js';

/** An inline batch request. */
export interface InlineRequest {
  custom_id?: string | null;
  body: Record<string, unknown>;
}

/**
 * Batch jobs in memory or, with a directory, also on disk: `<id>.json` rewritten atomically on
 * every change the engine persists, and `<id>.requests.json` for inline requests, written once.
 */
export class JobStore {
  private readonly jobs = new Map<string, BatchJobRecord>();
  private readonly requests = new Map<string, InlineRequest[]>();
  private readonly dir?: string;

  constructor(dataDir?: string) {
    if (dataDir === undefined) return;
    this.dir = join(dataDir, 'jobs');
    const isJob = (name: string) => name.endsWith('.json') && !name.endsWith('.requests.json');
    for (const job of loadRecords<BatchJobRecord>(this.dir, isJob)) this.jobs.set(job.id, job);
  }

  get size(): number {
    return this.jobs.size;
  }

  get(id: string): BatchJobRecord | undefined {
    return this.jobs.get(id);
  }

  list(): BatchJobRecord[] {
    return [...this.jobs.values()];
  }

  create(job: BatchJobRecord, requests?: InlineRequest[]): void {
    this.jobs.set(job.id, job);
    if (requests) {
      this.requests.set(job.id, requests);
      if (this.dir)
        writeFileAtomicSync(join(this.dir, `${job.id}.requests.json`), JSON.stringify(requests));
    }
    this.save(job);
  }

  /** Inline requests of a job (read back from disk after a restart). */
  inlineRequests(id: string): InlineRequest[] {
    let requests = this.requests.get(id);
    if (!requests && this.dir) {
      requests = JSON.parse(
        readFileSync(join(this.dir, `${id}.requests.json`), 'utf8'),
      ) as InlineRequest[];
      this.requests.set(id, requests);
    }
    return requests ?? [];
  }

  save(job: BatchJobRecord): void {
    if (this.dir && this.jobs.has(job.id))
      writeFileAtomicSync(join(this.dir, `${job.id}.json`), JSON.stringify(job));
  }

  delete(id: string): boolean {
    if (!this.jobs.delete(id)) return false;
    this.requests.delete(id);
    if (this.dir) {
      rmSync(join(this.dir, `${id}.json`), { force: true });
      rmSync(join(this.dir, `${id}.requests.json`), { force: true });
    }
    return true;
  }

  clear(): void {
    for (const id of [...this.jobs.keys()]) this.delete(id);
  }
}
