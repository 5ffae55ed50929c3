import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, JsonText, StoreConflictError, type Store } from '../src/index.js';

/**
 * The behaviour every `Store` must have. Each implementation runs this suite; a store is correct
 * when it passes unchanged.
 */
export function describeStoreContract(name: string, create: () => Promise<Store> | Store): void {
  describe(`${name} (Store contract)`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close();
    });

    it('returns undefined for a missing key', async () => {
      expect(await store.get('missing')).toBeUndefined();
    });

    it('round-trips JSON values and starts versions at 1', async () => {
      const value = { text: 'héllo ✓', n: 1.5, list: [1, null, { deep: true }], empty: {} };
      const written = await store.set('a', value);
      expect(written).toEqual({ key: 'a', value, version: 1 });
      expect(await store.get('a')).toEqual({ key: 'a', value, version: 1 });
      for (const scalar of [0, '', false, null, 'text']) {
        await store.set('scalar', scalar);
        expect((await store.get('scalar'))?.value).toEqual(scalar);
      }
    });

    it('returns copies: mutating a read value does not change the stored one', async () => {
      await store.set('obj', { list: [1] });
      const read = await store.get<{ list: number[] }>('obj');
      read!.value.list.push(2);
      expect((await store.get('obj'))?.value).toEqual({ list: [1] });
    });

    it('stores JSON semantics: dates become strings, undefined properties vanish', async () => {
      await store.set('json', { at: new Date(0), gone: undefined });
      expect((await store.get('json'))?.value).toEqual({ at: '1970-01-01T00:00:00.000Z' });
    });

    it('writes a JsonText as its text, with the same versions and compare-and-set', async () => {
      const text = '{"messages":[{"role":"user","content":"héllo"}],"n":1}';
      expect(await store.set('pre', new JsonText(text), { ifVersion: 0 })).toMatchObject({
        version: 1,
      });
      expect(await store.get('pre')).toEqual({
        key: 'pre',
        value: { messages: [{ role: 'user', content: 'héllo' }], n: 1 },
        version: 1,
      });
      await expect(store.set('pre', new JsonText('[]'), { ifVersion: 0 })).rejects.toMatchObject({
        code: 'store_conflict',
      });
      await store.set('pre', new JsonText('[2]'), { ifVersion: 1 });
      expect(await store.get('pre')).toMatchObject({ value: [2], version: 2 });
    });

    it('increments the version on every write', async () => {
      await store.set('v', 1);
      await store.set('v', 2);
      expect(await store.set('v', 3)).toMatchObject({ version: 3, value: 3 });
    });

    it('compare-and-set writes only at the expected version', async () => {
      expect(await store.set('cas', 'first', { ifVersion: 0 })).toMatchObject({ version: 1 });
      const conflict = await store.set('cas', 'lost', { ifVersion: 0 }).catch((e: unknown) => e);
      expect(StoreConflictError.isInstance(conflict)).toBe(true);
      expect(conflict).toMatchObject({ key: 'cas', expectedVersion: 0, actualVersion: 1 });
      expect((await store.get('cas'))?.value).toBe('first');
      expect(await store.set('cas', 'second', { ifVersion: 1 })).toMatchObject({ version: 2 });
      await expect(store.set('other', 'x', { ifVersion: 3 })).rejects.toMatchObject({
        code: 'store_conflict',
      });
      expect(await store.get('other')).toBeUndefined();
    });

    it('lets exactly one of many concurrent compare-and-set writers win', async () => {
      await store.set('race', 0);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => store.set('race', i + 1, { ifVersion: 1 })),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect((await store.get('race'))?.version).toBe(2);
    });

    it('deletes, reports whether the key existed, and honours ifVersion', async () => {
      await store.set('d', 1);
      await expect(store.delete('d', { ifVersion: 5 })).rejects.toMatchObject({
        code: 'store_conflict',
      });
      expect(await store.delete('d', { ifVersion: 1 })).toBe(true);
      expect(await store.delete('d')).toBe(false);
      expect(await store.get('d')).toBeUndefined();
      expect(await store.list('d')).toEqual([]);
      expect(await store.set('d', 2)).toMatchObject({ version: 1 });
    });

    it('lists by prefix, sorted by key, with limit and after', async () => {
      for (const key of ['conv:b', 'conv:a', 'conv:c', 'conva', 'batch:1', 'conv:'])
        await store.set(key, key);
      expect((await store.list('conv:')).map((e) => e.key)).toEqual([
        'conv:',
        'conv:a',
        'conv:b',
        'conv:c',
      ]);
      expect((await store.list('conv:', { limit: 2 })).map((e) => e.key)).toEqual([
        'conv:',
        'conv:a',
      ]);
      expect((await store.list('conv:', { after: 'conv:a' })).map((e) => e.key)).toEqual([
        'conv:b',
        'conv:c',
      ]);
      expect((await store.list('conv:', { limit: 0 })).map((e) => e.key)).toEqual([]);
      expect((await store.list('')).length).toBe(6);
      const [first] = await store.list('batch:');
      expect(first).toEqual({ key: 'batch:1', value: 'batch:1', version: 1 });
      expect(await store.list('nothing:')).toEqual([]);
    });

    it('keeps keys with unusual characters apart', async () => {
      const keys = ['a b', 'a\nb', 'ä/ö', '🙂:1', 'x'.repeat(500)];
      for (const key of keys) await store.set(key, key);
      for (const key of keys) expect((await store.get(key))?.value).toBe(key);
      expect((await store.list('🙂')).map((e) => e.key)).toEqual(['🙂:1']);
    });

    it('rejects an empty or non-string key with a typed error naming the key', async () => {
      for (const bad of ['', 42, undefined, null, {}]) {
        const error = await store.set(bad as string, 1).catch((e: unknown) => e);
        expect(InvalidArgumentError.isInstance(error)).toBe(true);
        expect((error as InvalidArgumentError).argument).toBe('key');
      }
      await expect(store.get('')).rejects.toMatchObject({ argument: 'key' });
      await expect(store.delete('')).rejects.toMatchObject({ argument: 'key' });
      await expect(store.list(7 as unknown as string)).rejects.toMatchObject({
        argument: 'prefix',
      });
    });

    it('rejects values JSON cannot hold, and writes nothing', async () => {
      await expect(store.set('u', undefined)).rejects.toMatchObject({ argument: 'value' });
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await expect(store.set('c', cyclic)).rejects.toMatchObject({ argument: 'value' });
      await expect(store.set('big', 10n)).rejects.toMatchObject({ argument: 'value' });
      expect(await store.list('')).toEqual([]);
    });
  });
}
