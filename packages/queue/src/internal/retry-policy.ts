/**
 * Jobs are enqueued with this many BullMQ attempts and the custom backoff type below: the worker,
 * not the producer, decides how many attempts a job gets and how long to wait between them (its
 * `attempts` and `backoff` options, or the webhook retry schedule). Changing a fleet's policy
 * then needs no re-enqueueing. The worker fails a job for good once its own limit is reached.
 */
export const ATTEMPTS_CEILING = 1_000;

/** The backoff type name that routes BullMQ to the worker's `backoffStrategy`. */
export const BACKOFF_TYPE = 'mistral-flows';
