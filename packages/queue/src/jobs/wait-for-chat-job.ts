import { redactString } from '@mistral-flows/core';
import { Job, QueueEvents } from 'bullmq';
import { ChatJobError } from '../errors/chat-job-error.js';
import type { ChatJobData, ChatJobResult } from './chat-job.js';
import type { ChatQueue } from './chat-queue.js';

export interface WaitForChatJobOptions {
  /** How long to wait for the job to finish (default 5 min). */
  timeoutMs?: number;
}

const DEFAULT_WAIT_MS = 5 * 60_000;

/**
 * Resolves with a chat job's result once a worker (on any process) has finished it, or at once
 * when it already has. Rejects with `ChatJobError`: `job_not_found`, `job_failed` (attempts spent,
 * `failedReason` says why) or `job_wait_timeout` (the job goes on; wait again or use webhooks).
 * Opens its own BullMQ `QueueEvents` connection for the wait and closes it before returning.
 *
 * @example
 * const { jobId } = await enqueueChat(chat, { messages });
 * const { content } = await waitForChatJob(chat, jobId, { timeoutMs: 60_000 });
 */
export async function waitForChatJob(
  queue: ChatQueue,
  jobId: string,
  options: WaitForChatJobOptions = {},
): Promise<ChatJobResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
  const { connection, prefix } = queue.queue.opts;
  const events = new QueueEvents(queue.name, { connection, ...(prefix ? { prefix } : {}) });
  try {
    await events.waitUntilReady();
    const job = await Job.fromId<ChatJobData, ChatJobResult>(queue.queue, jobId);
    if (!job) {
      throw new ChatJobError('job_not_found', jobId, `No chat job ${jobId} on queue ${queue.name}`);
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await job.waitUntilFinished(events, Math.max(1, deadline - Date.now()));
      } catch (error) {
        // A failed attempt that will be retried also ends the wait: read where the job stands.
        const latest = (await Job.fromId<ChatJobData, ChatJobResult>(queue.queue, jobId)) ?? job;
        const state = await latest.getState();
        if (state === 'completed') return latest.returnvalue;
        if (state === 'failed') {
          const reason = redactString(latest.failedReason || (error as Error).message);
          throw new ChatJobError(
            'job_failed',
            jobId,
            `Chat job ${jobId} failed: ${reason}`,
            reason,
          );
        }
        if (Date.now() >= deadline) {
          throw new ChatJobError(
            'job_wait_timeout',
            jobId,
            `Chat job ${jobId} had not finished after ${timeoutMs} ms (it is ${state})`,
          );
        }
      }
    }
  } finally {
    await events.close();
  }
}
