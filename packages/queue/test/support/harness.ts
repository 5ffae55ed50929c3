import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueueEvents } from 'bullmq';
import { deleteQueueKeys } from '@mistral-flows/testing';
import { Webhook } from 'standardwebhooks';
import { createChatQueue } from '../../src/index.js';

export { deleteQueueKeys };

/** A queue name no other test uses. */
export function uniqueName(label: string): string {
  return `mfq-${label}-${randomUUID().slice(0, 8)}`;
}

/** Cleanups run in reverse order in `afterEach`. */
export class Cleanups {
  private readonly steps: Array<() => unknown> = [];

  add(step: () => unknown): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    while (this.steps.length > 0) {
      try {
        await this.steps.pop()!();
      } catch {
        // One failed cleanup must not stop the others.
      }
    }
  }
}

/**
 * A chat queue with a new name, signing its webhooks with `secret` (127.0.0.1 allowed), and its
 * QueueEvents, ready; both are closed and the queue's keys deleted by `cleanups`.
 */
export async function openChatQueue(options: {
  cleanups: Cleanups;
  redisUrl: string;
  label: string;
  secret?: string;
}) {
  const { cleanups, redisUrl, secret } = options;
  const connection = { url: redisUrl };
  const name = uniqueName(options.label);
  cleanups.add(() => deleteQueueKeys(redisUrl, [name]));
  const queue = createChatQueue({
    connection,
    name,
    ...(secret !== undefined ? { webhook: { secret, allowHosts: ['127.0.0.1'] } } : {}),
  });
  cleanups.add(() => queue.close());
  const queueEvents = new QueueEvents(name, { connection });
  cleanups.add(() => queueEvents.close());
  await queueEvents.waitUntilReady();
  return { name, queue, queueEvents };
}

/** One request a receiver got, checked with the independent standardwebhooks package. */
export interface ReceivedWebhook {
  id: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status the receiver answered. */
  status: number;
  /** True when `new Webhook(secret).verify(body, headers)` accepted it. */
  verified: boolean;
  payload: { type: string; timestamp: string; data: Record<string, unknown> } | undefined;
}

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** Distinct `webhook-id`s answered with 2xx. */
  delivered(): Set<string>;
  close(): Promise<void>;
}

/**
 * A webhook receiver on 127.0.0.1 that verifies every request with the `standardwebhooks`
 * package. `respond(n)` picks the status of the n-th request (0-based); returning `'hang'`
 * never answers.
 */
export async function startReceiver(
  secret: string,
  respond: (n: number, id: string) => number | 'hang' = () => 200,
): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  const held = new Set<ServerResponse>();
  const verifier = new Webhook(secret);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id'] ?? '');
      let verified = false;
      let payload: ReceivedWebhook['payload'];
      try {
        payload = verifier.verify(
          body,
          req.headers as Record<string, string>,
        ) as ReceivedWebhook['payload'];
        verified = true;
      } catch {
        verified = false;
      }
      const status = respond(received.length, id);
      received.push({
        id,
        headers: req.headers,
        body,
        status: status === 'hang' ? 0 : status,
        verified,
        payload,
      });
      if (status === 'hang') {
        held.add(res);
        return;
      }
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    delivered: () =>
      new Set(received.filter((r) => r.status >= 200 && r.status < 300).map((r) => r.id)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
