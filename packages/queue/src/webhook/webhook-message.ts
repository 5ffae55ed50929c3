import { createHash } from 'node:crypto';
import type { TraceContext } from '@mistral-flows/core';

/** A webhook to deliver: what `WebhookDispatcher.send` takes. */
export interface WebhookMessage<T = unknown> {
  /** `webhook-id`: stable for the event, so that retries and duplicates share it. */
  id: string;
  url: string;
  /** Event type, such as `chat.job.completed` or `batch.job.running`. */
  type: string;
  /** The event's `data`. */
  data: T;
  /** When the event happened (default: now). */
  timestamp?: Date;
  /** The trace the event belongs to: sent as the `traceparent` (and `tracestate`) header. */
  traceContext?: TraceContext;
}

/** A delivery job's data: the exact body is fixed when queued and signed at every attempt. */
export interface WebhookDelivery {
  id: string;
  url: string;
  type: string;
  body: string;
  traceContext?: TraceContext;
}

/** The Standard Webhooks payload: `{ "type", "timestamp", "data" }`. */
export interface WebhookPayload<T = unknown> {
  type: string;
  /** ISO 8601 time of the event. */
  timestamp: string;
  data: T;
}

export function webhookBody(message: WebhookMessage): string {
  const payload: WebhookPayload = {
    type: message.type,
    timestamp: (message.timestamp ?? new Date()).toISOString(),
    data: message.data,
  };
  return JSON.stringify(payload);
}

/**
 * A deterministic `webhook-id` (`msg_` and 32 base64url characters of a SHA-256) for an event
 * named by `parts`: the same event always gets the same id, so a job that runs again after a crash
 * produces a duplicate the delivery queue and the receiver both recognise.
 */
export function webhookId(...parts: readonly (string | number)[]): string {
  const digest = createHash('sha256').update(parts.map(String).join('\u0000')).digest('base64url');
  return `msg_${digest.slice(0, 32)}`;
}
