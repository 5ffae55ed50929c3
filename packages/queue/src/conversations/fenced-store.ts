import type { ListOptions, SetOptions, Store, StoreEntry } from '@mistral-flows/core';
import type { ConversationLease } from './conversation-lease.js';

/**
 * Who may write a conversation: the lease of the action being applied, or none between actions
 * (a conversation kept in memory by a worker after its action).
 */
export interface LeaseFence {
  lease: ConversationLease | undefined;
  /** Thrown by a write while no lease is set. */
  unheld: () => Error;
}

/**
 * The store as a conversation sees it while a worker holds its lease (one lease, or a fence
 * whose lease changes from action to action): reads pass through; every
 * write first checks that the fence's lease is still held (`LeaseLostError` otherwise), so a
 * worker that lost the lease, or holds none, stops writing. The conversation record's own
 * compare-and-set covers the rest: a write already on its way when the lease was lost meets the
 * new holder's version as a conflict.
 */
export function fencedStore(store: Store, fence: LeaseFence | ConversationLease): Store {
  const assertHeld = () => {
    if (!('unheld' in fence)) return fence.assertHeld();
    if (!fence.lease) throw fence.unheld();
    fence.lease.assertHeld();
  };
  return {
    get: <T>(key: string): Promise<StoreEntry<T> | undefined> => store.get<T>(key),
    list: <T>(prefix: string, options?: ListOptions): Promise<Array<StoreEntry<T>>> =>
      store.list<T>(prefix, options),
    async set<T>(key: string, value: T, options?: SetOptions): Promise<StoreEntry<T>> {
      assertHeld();
      return store.set(key, value, options);
    },
    async delete(key: string, options?: SetOptions): Promise<boolean> {
      assertHeld();
      return store.delete(key, options);
    },
    // The worker owns the store; a conversation closing must not close it.
    close: () => Promise.resolve(),
  };
}
