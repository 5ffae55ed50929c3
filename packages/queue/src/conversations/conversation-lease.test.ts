import { InvalidArgumentError, MemoryStore } from '@mistral-flows/core';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaseLostError } from '../errors/lease-lost-error.js';
import { ConversationLease, leaseKey, type LeaseRecord } from './conversation-lease.js';

/** A clock the test moves by hand: every worker's own monotonic clock. */
class Clock {
  t = 1_000;
  now = () => this.t;
}

const leases: ConversationLease[] = [];
afterEach(() => {
  for (const lease of leases.splice(0)) lease.stopRenewing();
});

function leaseFor(store: MemoryStore, owner: string, clock: Clock, leaseMs = 2_000) {
  const lease = new ConversationLease({
    store,
    conversationId: 'c1',
    owner,
    leaseMs,
    now: clock.now,
  });
  leases.push(lease);
  return lease;
}

describe('ConversationLease', () => {
  it('takes a free lease with a compare-and-set and records its owner', async () => {
    const store = new MemoryStore();
    const lease = leaseFor(store, 'worker-a', new Clock());
    expect(await lease.acquire()).toBe(true);
    const entry = await store.get<LeaseRecord>(leaseKey('c1'));
    expect(entry?.value).toMatchObject({ owner: 'worker-a', done: 0 });
    expect(lease.heldVersion).toBe(entry?.version);
    expect(lease.held).toBe(true);
  });

  it('renews by bumping the version, and releases with the progress in the same write', async () => {
    const store = new MemoryStore();
    const lease = leaseFor(store, 'worker-a', new Clock());
    await lease.acquire();
    const before = lease.heldVersion;
    await lease.renew();
    expect(lease.heldVersion).toBe(before + 1);
    await lease.release({ done: 1 });
    const entry = await store.get<LeaseRecord>(leaseKey('c1'));
    expect(entry?.value).toMatchObject({ owner: null, done: 1 });
  });

  it('waits for a held lease until its version has not changed for a lease duration', async () => {
    const store = new MemoryStore();
    pollsOf(store);
    const clockA = new Clock();
    // Worker B's clock is hours ahead: only durations on its own clock matter.
    const clockB = new Clock();
    clockB.t = 10_000_000;
    const a = leaseFor(store, 'worker-a', clockA);
    const b = leaseFor(store, 'worker-b', clockB);
    await a.acquire();
    a.stopRenewing(); // worker A "dies": no more renewals

    let taken = false;
    const acquiring = b.acquire().then((result) => (taken = result));
    // B sees the version; less than a lease later it still waits.
    await until(() => pollsOf(store) >= 2);
    clockB.t += 1_999;
    const polls = pollsOf(store);
    await until(() => pollsOf(store) >= polls + 2);
    expect(taken).toBe(false);
    clockB.t += 1;
    await acquiring;
    expect(taken).toBe(true);
    expect((await store.get<LeaseRecord>(leaseKey('c1')))?.value.owner).toBe('worker-b');
  });

  it('keeps waiting while the holder renews (the version moves), whatever the clocks say', async () => {
    const store = new MemoryStore();
    pollsOf(store);
    const clockB = new Clock();
    const a = leaseFor(store, 'worker-a', new Clock());
    const b = leaseFor(store, 'worker-b', clockB);
    await a.acquire();
    a.stopRenewing();
    const controller = new AbortController();
    const acquiring = b.acquire({ signal: controller.signal });
    for (let i = 0; i < 5; i++) {
      const polls = pollsOf(store);
      await until(() => pollsOf(store) >= polls + 1);
      clockB.t += 1_500;
      await a.renew();
    }
    controller.abort(new Error('gave up'));
    await expect(acquiring).rejects.toThrow('gave up');
    expect((await store.get<LeaseRecord>(leaseKey('c1')))?.value.owner).toBe('worker-a');
  });

  it('fails the holder with LeaseLostError once another worker wrote the record (version moved)', async () => {
    const store = new MemoryStore();
    const a = leaseFor(store, 'worker-a', new Clock());
    await a.acquire();
    a.stopRenewing();
    // A clock-skewed worker that wrongly believes the lease expired takes it by force.
    const entry = await store.get<LeaseRecord>(leaseKey('c1'));
    await store.set(
      leaseKey('c1'),
      { ...entry!.value, owner: 'skewed' },
      {
        ifVersion: entry!.version,
      },
    );
    const lost: LeaseLostError[] = [];
    a.onLost((error) => lost.push(error));
    const error = await a.renew().catch((e: unknown) => e);
    expect(LeaseLostError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'lease_lost',
      conversationId: 'c1',
      expectedVersion: entry!.version,
      actualVersion: entry!.version + 1,
    });
    expect(lost).toHaveLength(1);
    expect(() => a.assertHeld()).toThrow(LeaseLostError);
    await expect(a.update({ done: 5 })).rejects.toThrow(LeaseLostError);
    expect((await store.get<LeaseRecord>(leaseKey('c1')))?.value).toMatchObject({
      owner: 'skewed',
      done: 0,
    });
  });

  it('stops the holder once a lease duration passed since its last successful renewal', async () => {
    const store = new MemoryStore();
    const clock = new Clock();
    const a = leaseFor(store, 'worker-a', clock);
    await a.acquire();
    a.stopRenewing();
    clock.t += 1_999;
    expect(() => a.assertHeld()).not.toThrow();
    clock.t += 1;
    expect(() => a.assertHeld()).toThrow(/could not be renewed for 2000 ms/);
  });

  it('stops waiting when the wanted action was applied by another worker', async () => {
    const store = new MemoryStore();
    const a = leaseFor(store, 'worker-a', new Clock());
    const b = leaseFor(store, 'worker-b', new Clock());
    await a.acquire();
    const waiting = b.acquire({ stop: (record) => record.done >= 1 });
    await a.release({ done: 1 });
    expect(await waiting).toBe(false);
  });

  it('refuses a lease shorter than a second', () => {
    expect(
      () =>
        new ConversationLease({
          store: new MemoryStore(),
          conversationId: 'c',
          owner: 'w',
          leaseMs: 10,
        }),
    ).toThrow(InvalidArgumentError);
  });
  it('writes a patch with the lease only onto the record it was given, never onto a newer one', async () => {
    const store = new MemoryStore();
    const clock = new Clock();
    const first = leaseFor(store, 'worker-a', clock);
    expect(await first.acquire()).toBe(true);
    const released = await first.release({ done: 1 });
    expect(released.record).toMatchObject({ owner: null, done: 1 });

    // Taken from the record as released: the patch goes in the same write.
    const second = leaseFor(store, 'worker-a', clock);
    const patch = { applying: { seq: 2, turnBefore: 1 } };
    expect(await second.acquire({ known: released, patch })).toBe(true);
    expect(second.patched).toBe(true);
    expect(second.takenFrom).toBe(released.version);
    expect((await store.get<LeaseRecord>(leaseKey('c1')))?.value.applying).toEqual(patch.applying);
    const again = await second.release({ done: 2, applying: undefined });

    // Another worker wrote in between: the lease is taken from the newer record, without the patch.
    await store.set(leaseKey('c1'), { ...again.record, done: 3 }, { ifVersion: again.version });
    const third = leaseFor(store, 'worker-a', clock);
    expect(
      await third.acquire({ known: again, patch: { applying: { seq: 3, turnBefore: 2 } } }),
    ).toBe(true);
    expect(third.patched).toBe(false);
    expect(third.takenFrom).toBe(again.version + 1);
    expect((await store.get<LeaseRecord>(leaseKey('c1')))?.value).toMatchObject({ done: 3 });
    expect((await store.get<LeaseRecord>(leaseKey('c1')))?.value.applying).toBeUndefined();
  });
});

/** How many times the store was read: the waiting worker's polls. */
const reads = new WeakMap<MemoryStore, number>();
function pollsOf(store: MemoryStore): number {
  if (!reads.has(store)) {
    reads.set(store, 0);
    const get = store.get.bind(store);
    store.get = (key: string) => {
      reads.set(store, (reads.get(store) ?? 0) + 1);
      return get(key);
    };
  }
  return reads.get(store)!;
}

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
