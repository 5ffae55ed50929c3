import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  memoryReplayGuard,
  verifyWebhook,
  WebhookVerificationError,
  type WebhookPayload,
} from '@mistral-flows/queue';

/** One request the receiver got. */
export interface ReceivedWebhook {
  /** `webhook-id` header. */
  id: string;
  headers: IncomingHttpHeaders;
  path: string;
  /** True when `verifyWebhook` accepted the signature, timestamp and id. */
  verified: boolean;
  /** A `webhook-id` accepted before: a retry, acknowledged and not handled again. */
  duplicate: boolean;
  /** Why it was refused. */
  error?: string;
  payload: WebhookPayload | undefined;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>`; deliveries go to any path under it. */
  url: string;
  readonly received: ReceivedWebhook[];
  /** Called after each request. */
  onReceive(listener: (webhook: ReceivedWebhook) => void): void;
  close(): Promise<void>;
}

/**
 * A webhook endpoint on 127.0.0.1 that checks every delivery with `verifyWebhook` (Standard
 * Webhooks signature, timestamp tolerance, one delivery per `webhook-id`), answering 204 when it
 * verifies (or repeats an id already processed), 409 while another request handles the same id,
 * and 400 when it does not verify, as a real receiver would.
 */
export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const listeners: Array<(webhook: ReceivedWebhook) => void> = [];
  const replayGuard = memoryReplayGuard();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry: ReceivedWebhook = {
        id: String(req.headers['webhook-id'] ?? ''),
        headers: req.headers,
        path: req.url ?? '/',
        verified: false,
        duplicate: false,
        payload: undefined,
      };
      verifyWebhook<WebhookPayload>(body, req.headers, secret, { replayGuard })
        .then(async (webhook) => {
          entry.verified = true;
          entry.payload = webhook.payload;
          // Handling the event is recording it: done, so a retry of this id is now a replay.
          await webhook.markProcessed();
          res.writeHead(204).end();
        })
        .catch((error: unknown) => {
          if (WebhookVerificationError.isInstance(error) && error.code === 'webhook_replayed') {
            entry.duplicate = true;
            res.writeHead(204).end();
            return;
          }
          if (WebhookVerificationError.isInstance(error) && error.code === 'webhook_in_progress') {
            // Another request is handling this id right now: the sender retries later.
            entry.error = error.code;
            res.writeHead(409).end();
            return;
          }
          entry.error = WebhookVerificationError.isInstance(error)
            ? error.code
            : error instanceof Error
              ? error.message
              : String(error);
          res.writeHead(400).end();
        })
        .finally(() => {
          received.push(entry);
          for (const listener of listeners) listener(entry);
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    onReceive: (listener) => listeners.push(listener),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
