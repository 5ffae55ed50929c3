import type { RedisClient } from 'bullmq';
import type { WebhookMessage } from '../webhook/webhook-message.js';

/**
 * Compare-and-set of a batch job's last seen status, with the webhook it calls for appended to an
 * outbox list, in one script: either both happen or neither. Returns 1 when applied.
 */
const TRANSITION = {
  name: 'mistralFlowsBatchTransition',
  numberOfKeys: 2,
  lua: `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if (current or '') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('RPUSH', KEYS[2], ARGV[4])
return 1`,
};

/** Removes one sent entry from the outbox. */
const OUTBOX_REMOVE = {
  name: 'mistralFlowsOutboxRemove',
  numberOfKeys: 1,
  lua: `return redis.call('LREM', KEYS[1], 1, ARGV[1])`,
};

/** The last seen status of each batch job, and an outbox of webhooks to queue. */
export class StatusTransitions {
  constructor(
    private readonly redis: RedisClient,
    private readonly statusKey: string,
    private readonly outboxKey: string,
  ) {
    for (const { name, numberOfKeys, lua } of [TRANSITION, OUTBOX_REMOVE]) {
      redis.defineCommand(name, { numberOfKeys, lua });
    }
  }

  /** Last seen status of each id (`undefined` for ids never seen). */
  async lastSeen(ids: readonly string[]): Promise<Array<string | undefined>> {
    if (ids.length === 0) return [];
    const values = await this.redis.hmget(this.statusKey, ...ids);
    return values.map((v) => v ?? undefined);
  }

  /**
   * Records `id` moving from `from` (undefined: never seen) to `to` and puts `message` in the
   * outbox, atomically; false when another poll recorded a transition of `id` first.
   */
  async record(
    id: string,
    from: string | undefined,
    to: string,
    message: WebhookMessage,
  ): Promise<boolean> {
    const entry = JSON.stringify({
      ...message,
      timestamp: (message.timestamp ?? new Date()).toISOString(),
    });
    const applied: unknown = await this.redis.runCommand(TRANSITION.name, [
      this.statusKey,
      this.outboxKey,
      id,
      from ?? '',
      to,
      entry,
    ]);
    return applied === 1;
  }

  /**
   * Hands every outbox entry to `send` (which must be idempotent on the message id) and removes
   * it afterwards, so that an entry survives a crash in between and is sent again, harmlessly.
   */
  async drain(send: (message: WebhookMessage) => Promise<void>): Promise<number> {
    let sent = 0;
    for (;;) {
      const entries = await this.redis.lrange(this.outboxKey, 0, 99);
      if (entries.length === 0) return sent;
      for (const raw of entries) {
        const parsed = JSON.parse(raw) as WebhookMessage & { timestamp: string };
        await send({ ...parsed, timestamp: new Date(parsed.timestamp) });
        await this.redis.runCommand(OUTBOX_REMOVE.name, [this.outboxKey, raw]);
        sent++;
      }
    }
  }
}
