import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, JsonText, MemoryStore, SqliteStore } from '../src/index.js';
import { encodeValue } from '../src/store/store.js';
import { describeStoreContract } from './store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'mistral-flows-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeStoreContract('MemoryStore', () => new MemoryStore());
describeStoreContract(
  'SqliteStore',
  () => new SqliteStore({ path: join(dir, `contract-${n++}.db`) }),
);

describe('JsonText', () => {
  it('serialises as its value wherever JSON.stringify meets it (stores that do not know it)', () => {
    expect(JSON.stringify({ a: new JsonText('{"b":[1,"x"]}') })).toBe('{"a":{"b":[1,"x"]}}');
  });

  it('is written as its text, not serialised again (every store encodes through encodeValue)', () => {
    expect(encodeValue('k', new JsonText(' { "b" : [1] } '))).toBe(' { "b" : [1] } ');
    expect(encodeValue('k', { b: [1] })).toBe('{"b":[1]}');
  });

  it('is recognised when another copy of the package made it', () => {
    const fromOtherCopy = { [Symbol.for('mistral-flows.JsonText')]: true, text: '[3]' };
    expect(JsonText.isInstance(fromOtherCopy)).toBe(true);
    expect(encodeValue('k', fromOtherCopy)).toBe('[3]');
    expect(JsonText.isInstance({ text: '[3]' })).toBe(false);
    expect(JsonText.isInstance(new JsonText('[3]'))).toBe(true);
  });

  it('rejects what is not a string', () => {
    expect(() => new JsonText(5 as unknown as string)).toThrow(InvalidArgumentError);
  });
});

describe('SqliteStore', () => {
  it('keeps data across reopening the file, in WAL mode', async () => {
    const path = join(dir, 'durable.db');
    const first = new SqliteStore({ path });
    await first.set('conv:1', { history: ['hi'] });
    await first.close();
    const second = new SqliteStore({ path });
    expect(await second.get('conv:1')).toEqual({
      key: 'conv:1',
      value: { history: ['hi'] },
      version: 1,
    });
    await second.close();
  });

  it('shares one file between two instances (as two processes would)', async () => {
    const path = join(dir, 'shared.db');
    const a = new SqliteStore({ path });
    const b = new SqliteStore({ path });
    await a.set('k', 1);
    await expect(b.set('k', 2, { ifVersion: 0 })).rejects.toMatchObject({ code: 'store_conflict' });
    expect((await b.get('k'))?.value).toBe(1);
    await a.close();
    await b.close();
  });

  it('rejects a table name that is not a plain identifier', () => {
    expect(() => new SqliteStore({ table: 'x; DROP TABLE y' })).toThrow(/table/);
  });
});

describe('SqliteStore opened by many processes at once', () => {
  it('opens a file another connection is busy writing, instead of failing with SQLITE_BUSY', async () => {
    const path = join(dir, 'busy.db');
    const writer = new SqliteStore({ path });
    const stores = Array.from({ length: 20 }, () => new SqliteStore({ path }));
    await Promise.all(stores.map((s, i) => s.set(`k${i}`, i)));
    expect((await writer.list('k')).length).toBe(20);
    for (const s of [writer, ...stores]) await s.close();
  });
});
