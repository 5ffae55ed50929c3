import { SDKError } from '@mistralai/mistralai/models/errors';
import { describe, expect, it } from 'vitest';
import { streamText } from './support/batch-input.js';
import { startTestEmulator } from './support/test-emulator.js';

const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) % 256));

describe('/v1/files', () => {
  it('uploads, lists, retrieves, downloads byte for byte and deletes, then 404', async () => {
    const { client, emulator, checkResponses } = await startTestEmulator();
    const before = Math.floor(Date.now() / 1000);
    const uploaded = await client.files.upload({
      file: { fileName: 'scan.pdf', content: bytes },
      purpose: 'ocr',
    });
    expect(uploaded).toMatchObject({
      object: 'file',
      sizeBytes: 5000,
      filename: 'scan.pdf',
      purpose: 'ocr',
      source: 'upload',
      mimetype: 'application/pdf',
      visibility: 'workspace',
    });
    expect(uploaded.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isInteger(uploaded.createdAt)).toBe(true);
    expect(uploaded.createdAt).toBeGreaterThanOrEqual(before);

    const jsonl = Buffer.from('{"custom_id":"a","body":{}}\n{"custom_id":"b","body":{}}\n');
    const batchFile = await client.files.upload({
      file: { fileName: 'in.jsonl', content: jsonl },
      purpose: 'batch',
      expiry: 2,
    });
    expect(batchFile).toMatchObject({
      sampleType: 'batch_request',
      numLines: 2,
      sizeBytes: jsonl.length,
      mimetype: 'application/jsonl',
    });
    expect(batchFile.expiresAt).toBe(batchFile.createdAt + 7200);
    await client.files.upload({
      file: { fileName: 'train.jsonl', content: jsonl },
      purpose: 'fine-tune',
    });

    const all = await client.files.list({});
    expect(all.total).toBe(3);
    expect(all.data.map((f) => f.filename)).toEqual(['train.jsonl', 'in.jsonl', 'scan.pdf']);
    expect((await client.files.list({ page: 1, pageSize: 2 })).data.map((f) => f.filename)).toEqual(
      ['scan.pdf'],
    );
    expect((await client.files.list({ purpose: 'batch' })).data.map((f) => f.id)).toEqual([
      batchFile.id,
    ]);
    expect((await client.files.list({ search: 'train' })).data).toHaveLength(1);
    expect((await client.files.list({ sampleType: ['batch_request'] })).data).toHaveLength(1);

    const retrieved = await client.files.retrieve({ fileId: uploaded.id });
    expect(retrieved).toMatchObject({ id: uploaded.id, deleted: false, sizeBytes: 5000 });
    const downloaded = Buffer.from(
      await new Response(await client.files.download({ fileId: uploaded.id })).arrayBuffer(),
    );
    expect(downloaded.equals(bytes)).toBe(true);
    expect(emulator.stats().files).toBe(3);

    const deleted = await client.files.delete({ fileId: uploaded.id });
    expect(deleted).toEqual({ id: uploaded.id, object: 'file', deleted: true });
    await expect(client.files.retrieve({ fileId: uploaded.id })).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(client.files.download({ fileId: uploaded.id })).rejects.toMatchObject({
      statusCode: 404,
    });
    expect(emulator.stats().files).toBe(2);
    await checkResponses();
  });

  it('signs download URLs that work without the API key until they expire', async () => {
    const { client } = await startTestEmulator({ apiKey: 'secret' }, { apiKey: 'secret' });
    const file = await client.files.upload({
      file: { fileName: 'notes.txt', content: Buffer.from('hello files') },
    });
    const { url } = await client.files.getSignedUrl({ fileId: file.id, expiry: 1 });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(await res.text()).toBe('hello files');
    const tampered = await fetch(url.replace(/signature=[0-9a-f]/, 'signature=x'));
    expect(tampered.status).toBe(401);
    expect(await streamText(await client.files.download({ fileId: file.id }))).toBe('hello files');
  });

  it('refuses an empty file, a file over the limit and a batch file that is not JSONL, with the documented error body', async () => {
    const { client, url } = await startTestEmulator({ maxFileBytes: 1024 });
    const errorOf = async (promise: Promise<unknown>) => {
      const error = (await promise.catch((e: unknown) => e)) as SDKError;
      expect(error).toBeInstanceOf(SDKError);
      return { status: error.statusCode, body: JSON.parse(error.body) as Record<string, unknown> };
    };
    const empty = await errorOf(
      client.files.upload({
        file: { fileName: 'empty.jsonl', content: Buffer.alloc(0) },
        purpose: 'batch',
      }),
    );
    expect(empty).toEqual({
      status: 400,
      body: {
        object: 'error',
        message: 'The file is empty',
        type: 'invalid_request_error',
        param: 'file',
        code: 'empty_file',
      },
    });
    const big = await errorOf(
      client.files.upload({ file: { fileName: 'big.jsonl', content: Buffer.alloc(2048, 97) } }),
    );
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ object: 'error', code: 'file_too_large' });
    const csv = await errorOf(
      client.files.upload({
        file: { fileName: 'table.csv', content: Buffer.from('a,b\n1,2\n') },
        purpose: 'batch',
      }),
    );
    expect(csv.status).toBe(400);
    expect(csv.body).toMatchObject({ object: 'error', code: 'invalid_file_format' });

    const form = new FormData();
    form.append('file', new Blob(['{}']), 'x.jsonl');
    form.append('purpose', 'training');
    const badPurpose = await fetch(`${url}/v1/files`, { method: 'POST', body: form });
    expect(badPurpose.status).toBe(422);
    expect(await badPurpose.json()).toMatchObject({
      object: 'error',
      message: { detail: [{ type: 'enum', loc: ['body', 'purpose'] }] },
    });
    const notMultipart = await fetch(`${url}/v1/files`, { method: 'POST', body: 'file' });
    expect(notMultipart.status).toBe(422);
    await expect(
      client.files.retrieve({ fileId: '00000000-0000-4000-8000-000000000000' }),
    ).rejects.toMatchObject({ statusCode: 404 });
  });

  it('keeps a filename sent as filename* or with escaped quotes', async () => {
    const { client, url } = await startTestEmulator();
    const boundary = 'emulator-test-boundary';
    for (const [disposition, expected] of [
      [`filename*=UTF-8''r%C3%A9sum%C3%A9%20%231.jsonl`, 'résumé #1.jsonl'],
      ['filename="the \\"best\\" lines.jsonl"', 'the "best" lines.jsonl'],
    ] as const) {
      const body =
        `--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; ${disposition}\r\n` +
        `Content-Type: application/jsonl\r\n\r\n{"custom_id":"a","body":{}}\n\r\n--${boundary}--\r\n`;
      const res = await fetch(`${url}/v1/files`, {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        body,
      });
      expect(res.status).toBe(200);
      const { id } = (await res.json()) as { id: string };
      expect((await client.files.retrieve({ fileId: id })).filename).toBe(expected);
    }
  });
});
