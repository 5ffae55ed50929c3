import { MemoryStore } from '@mistral-flows/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ConversationLease, leaseKey, type LeaseRecord } from './conversation-lease.js';
import { LeaseWatch } from './lease-watch.js';

/** A clock the test moves by hand: this worker's own monotonic clock. */
class Clock {
  t = 1_000;
  now = () => this.t;
}

const LEASE_MS = 2_000;
const leases: ConversationLease[] = [];
afterEach(() => {
  for (const lease of leases.splice(0)) lease.stopRenewing();
});

function watchOf(store: MemoryStore, clock: Clock, active: string[] = ['c1']) {
  const errors: unknown[] = [];
  const watch = new LeaseWatch({
    store,
    owner: 'watcher',
    leaseMs: LEASE_MS,
    activeConversations: () => Promise.resolve(active),
    onError: (error) => errors.push(error),
    now: clock.now,
  });
  return { watch, errors };
}

async function heldBy(store: MemoryStore, owner: string, clock: Clock) {
  const lease = new ConversationLease({
    store,
    conversationId: 'c1',
    owner,
    leaseMs: LEASE_MS,
    now: clock.now,
  });
  leases.push(lease);
  expect(await lease.acquire()).toBe(true);
  await lease.update({ applying: { seq: 2, turnBefore: 0 } });
  return lease;
}

describe('LeaseWatch', () => {
  it('frees a lease whose version has not changed for a lease duration, naming the old owner', async () => {
    const store = new MemoryStore();
    const clock = new Clock();
    const holder = await heldBy(store, 'dead', clock);
    holder.stopRenewing(); // the holder dies
    const { watch, errors } = watchOf(store, clock);
    await watch.tick();
    const version = (await store.get(leaseKey('c1')))!.version;
    expect(watch.seenSince('c1', version)).toBe(clock.t);
    clock.t += LEASE_MS - 1;
    await watch.tick();
    expect((await store.get<LeaseRecord>(leaseKey('c1')))?.value.owner).toBe('dead');
    clock.t += 1;
    await watch.tick();
    const freed = await store.get<LeaseRecord>(leaseKey('c1'));
    expect(freed?.value).toMatchObject({
      owner: null,
      expired: { owner: 'dead' },
      // What the dead holder was doing is kept, for the worker that resumes it.
      applying: { seq: 2, turnBefore: 0 },
    });
    expect(freed?.version).toBe(version + 1);
    expect(errors).toEqual([]);

    // The next holder takes it at once, learns whom from, and clears the mark.
    const next = new ConversationLease({
      store,
      conversationId: 'c1',
      owner: 'next',
      now: clock.now,
    });
    leases.push(next);
    expect(await next.acquire()).toBe(true);
    expect(next.takenOverFrom).toBe('dead');
    expect(next.record.expired).toBeUndefined();
  });

  it('leaves a lease alone while its holder renews it, whatever the clocks say', async () => {
    const store = new MemoryStore();
    const clock = new Clock();
    const holder = await heldBy(store, 'alive', clock);
    const { watch } = watchOf(store, clock);
    await watch.tick();
    for (let i = 0; i < 5; i++) {
      clock.t += LEASE_MS - 100;
      await holder.renew();
      await watch.tick();
    }
    expect((await store.get<LeaseRecord>(leaseKey('c1')))?.value.owner).toBe('alive');
    expect(holder.held).toBe(true);
  });

  it('does not free a lease renewed between its look and its write (compare-and-set)', async () => {
    const store = new MemoryStore();
    // Two machines' clocks: the holder's has not moved since its last renewal, the watch's has.
    const holderClock = new Clock();
    const clock = new Clock();
    const holder = await heldBy(store, 'slow', holderClock);
    const { watch, errors } = watchOf(store, clock);
    await watch.tick();
    clock.t += LEASE_MS;
    // The renewal lands while the watch's write is on its way.
    const set = store.set.bind(store);
    store.set = async (key, value, options) => {
      store.set = set;
      await holder.renew();
      return set(key, value, options);
    };
    await watch.tick();
    expect((await store.get<LeaseRecord>(leaseKey('c1')))?.value.owner).toBe('slow');
    expect(holder.held).toBe(true);
    expect(errors).toEqual([]);
  });

  it('ignores its own leases, released ones, and conversations no longer in progress', async () => {
    const store = new MemoryStore();
    const clock = new Clock();
    await heldBy(store, 'watcher', clock);
    const active = ['c1'];
    const { watch } = watchOf(store, clock, active);
    await watch.tick();
    clock.t += LEASE_MS * 2;
    await watch.tick();
    expect((await store.get<LeaseRecord>(leaseKey('c1')))?.value.owner).toBe('watcher');
    active.length = 0;
    await watch.tick();
    expect(watch.seenSince('c1', (await store.get(leaseKey('c1')))!.version)).toBeUndefined();
  });

  it('reports a failing store once per series of failed looks', async () => {
    const store = new MemoryStore();
    const clock = new Clock();
    const { watch, errors } = watchOf(store, clock);
    store.get = () => Promise.reject(new Error('store down'));
    await watch.tick();
    await watch.tick();
    expect(errors).toHaveLength(1);
  });
});
