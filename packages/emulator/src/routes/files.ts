import { createHmac, timingSafeEqual } from 'node:crypto';
import { countLines } from '../batch/read-lines.js';
import { epochSeconds } from '../http/clock.js';
import { apiError, notFound, wrappedValidationError } from '../http/http-error.js';
import { uuid } from '../http/ids.js';
import { isMultipart, parseMultipart } from '../http/multipart.js';
import { pageItems, pageParams } from '../http/pagination.js';
import { boolParam, intParam } from '../http/query-params.js';
import { sendJson } from '../http/respond.js';
import type { RouteContext, RouteSpec } from '../server/route.js';
import type { FileRecord } from '../storage/file-store.js';

const purposes = ['fine-tune', 'batch', 'ocr', 'audio'];
const visibilities = ['workspace', 'user'];

/** MIME types by file extension (a Map: the extension comes from the client's file name). */
const mimetypes = new Map([
  ['jsonl', 'application/jsonl'],
  ['json', 'application/json'],
  ['txt', 'text/plain'],
  ['csv', 'text/csv'],
  ['pdf', 'application/pdf'],
  ['png', 'image/png'],
  ['jpg', 'image/jpeg'],
  ['jpeg', 'image/jpeg'],
  ['mp3', 'audio/mpeg'],
  ['wav', 'audio/wav'],
]);

function findFile(ctx: RouteContext): FileRecord {
  const id = ctx.params.file_id!;
  const file = ctx.runtime.files.get(id);
  if (!file) throw notFound('File', id);
  return file;
}

function invalidField(field: string, type: string, msg: string, input: unknown) {
  return wrappedValidationError([{ type, loc: ['body', field], msg, input }]);
}

/** True when the first non-blank line of a buffer is a JSON object (a JSONL file). */
function looksLikeJsonl(data: Buffer): boolean {
  const text = data.toString('utf8', 0, Math.min(data.length, 1024 * 1024));
  const first = text.split('\n').find((line) => line.trim() !== '');
  if (first === undefined) return false;
  try {
    const value: unknown = JSON.parse(first);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * `POST /v1/files`: multipart upload (`file`, `purpose`, `visibility`, `expiry`). An empty file, a
 * file over the size limit, and for `purpose=batch` a file whose first line is not a JSON object,
 * are refused with the documented error body.
 */
export const uploadFile: RouteSpec = {
  body: 'raw',
  service: 'files',
  async handler(ctx) {
    const { runtime } = ctx;
    const contentType = ctx.req.headers['content-type'];
    if (!isMultipart(contentType)) throw invalidField('file', 'missing', 'Field required', null);
    const parts = await parseMultipart(ctx.raw, contentType);
    if (!parts)
      throw apiError(400, 'The multipart body is malformed', { code: 'invalid_multipart' });
    const field = (name: string) =>
      parts.find((p) => p.name === name && p.filename === undefined)?.data.toString('utf8');
    const filePart = parts.find((p) => p.name === 'file');
    if (!filePart) throw invalidField('file', 'missing', 'Field required', null);
    const purpose = field('purpose') ?? 'fine-tune';
    if (!purposes.includes(purpose)) {
      throw invalidField(
        'purpose',
        'enum',
        "Input should be 'fine-tune', 'batch', 'ocr' or 'audio'",
        purpose,
      );
    }
    const visibility = field('visibility') ?? 'workspace';
    if (!visibilities.includes(visibility)) {
      throw invalidField('visibility', 'enum', "Input should be 'workspace' or 'user'", visibility);
    }
    const expiryText = field('expiry');
    const expiry = expiryText === undefined || expiryText === '' ? undefined : Number(expiryText);
    if (expiry !== undefined && (!Number.isInteger(expiry) || expiry < 1)) {
      throw invalidField(
        'expiry',
        'int_parsing',
        'Input should be a valid integer, unable to parse string as an integer',
        expiryText,
      );
    }
    const data = filePart.data;
    const limit = runtime.options.maxFileBytes;
    if (data.length > limit) {
      throw apiError(413, `The file is larger than the limit of ${limit} bytes`, {
        code: 'file_too_large',
        param: 'file',
      });
    }
    if (data.length === 0)
      throw apiError(400, 'The file is empty', { code: 'empty_file', param: 'file' });
    if (purpose === 'batch' && !looksLikeJsonl(data)) {
      throw apiError(400, 'The file is not valid JSONL: its first line is not a JSON object', {
        code: 'invalid_file_format',
        param: 'file',
      });
    }
    const filename = filePart.filename ?? 'blob';
    const extension = /\.([A-Za-z0-9]+)$/.exec(filename)?.[1]?.toLowerCase();
    const jsonl = extension === 'jsonl' || purpose === 'batch' || purpose === 'fine-tune';
    const created = epochSeconds(runtime.clock.now());
    const partType =
      filePart.contentType && filePart.contentType !== 'application/octet-stream'
        ? filePart.contentType
        : undefined;
    const record: FileRecord = {
      id: uuid(),
      object: 'file',
      bytes: data.length,
      created_at: created,
      filename,
      purpose,
      sample_type: purpose === 'batch' ? 'batch_request' : 'instruct',
      num_lines: jsonl ? await countLines([data]) : null,
      mimetype: (extension ? mimetypes.get(extension) : undefined) ?? partType ?? null,
      source: 'upload',
      signature: null,
      expires_at: expiry === undefined ? null : created + expiry * 3600,
      visibility,
    };
    await runtime.files.put(record, data);
    sendJson(ctx.res, 200, record);
  },
};

/** `GET /v1/files`: newest first, with pagination and the documented filters. */
export const listFiles: RouteSpec = {
  body: 'none',
  service: 'files',
  handler(ctx) {
    const q = ctx.query;
    const page = pageParams(q, 100, 10_000);
    const includeTotal = boolParam(q, 'include_total') ?? true;
    const purpose = q.get('purpose');
    const sampleTypes = q.getAll('sample_type');
    const sources = q.getAll('source');
    const types = q.getAll('mimetypes');
    const search = q.get('search')?.toLowerCase();
    const all = ctx.runtime.files
      .list()
      .filter(
        (f) =>
          (!purpose || f.purpose === purpose) &&
          (sampleTypes.length === 0 || sampleTypes.includes(f.sample_type)) &&
          (sources.length === 0 || sources.includes(f.source)) &&
          (types.length === 0 || (f.mimetype !== null && types.includes(f.mimetype))) &&
          (!search || f.filename.toLowerCase().includes(search) || f.id === search),
      )
      .reverse()
      .sort((a, b) => b.created_at - a.created_at);
    sendJson(ctx.res, 200, {
      data: pageItems(all, page),
      object: 'list',
      total: includeTotal ? all.length : null,
    });
  },
};

/** `GET /v1/files/{file_id}` */
export const retrieveFile: RouteSpec = {
  body: 'none',
  service: 'files',
  handler(ctx) {
    sendJson(ctx.res, 200, { ...findFile(ctx), deleted: false });
  },
};

/** `DELETE /v1/files/{file_id}` */
export const deleteFile: RouteSpec = {
  body: 'none',
  service: 'files',
  async handler(ctx) {
    const file = findFile(ctx);
    await ctx.runtime.files.delete(file.id);
    sendJson(ctx.res, 200, { id: file.id, object: 'file', deleted: true });
  },
};

/** `GET /v1/files/{file_id}/content`: the exact bytes as `application/octet-stream`. */
export const downloadFile: RouteSpec = {
  body: 'none',
  service: 'files',
  signedAccess: true,
  async handler(ctx) {
    const file = findFile(ctx);
    const { res } = ctx;
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': file.bytes,
      'content-disposition': `attachment; filename="${file.filename.replace(/"/g, '')}"`,
    });
    for await (const chunk of ctx.runtime.files.chunks(file.id)) {
      if (res.destroyed) return;
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  },
};

/** Signs a download link for a file until `expires` (epoch seconds). */
export function signFileUrl(secret: string, id: string, expires: number): string {
  return createHmac('sha256', secret).update(`${id}:${expires}`).digest('hex');
}

/** True when the request carries a valid, unexpired signature for the file it asks for. */
export function hasValidSignature(
  ctx: { query: URLSearchParams; params: Record<string, string> },
  secret: string,
  now: number,
): boolean {
  const signature = ctx.query.get('signature');
  const expires = Number(ctx.query.get('expires'));
  const id = ctx.params.file_id;
  if (!signature || !id || !Number.isInteger(expires) || expires < epochSeconds(now)) return false;
  const expected = Buffer.from(signFileUrl(secret, id, expires));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** `GET /v1/files/{file_id}/url?expiry=<hours>`: a download link that needs no API key until it expires. */
export const fileSignedUrl: RouteSpec = {
  body: 'none',
  service: 'files',
  handler(ctx) {
    const file = findFile(ctx);
    const hours = intParam(ctx.query, 'expiry', 24, { min: 1, max: 168 });
    const expires = epochSeconds(ctx.runtime.clock.now()) + hours * 3600;
    const signature = signFileUrl(ctx.runtime.signingSecret, file.id, expires);
    sendJson(ctx.res, 200, {
      url: `${ctx.baseUrl}/v1/files/${encodeURIComponent(file.id)}/content?expires=${expires}&signature=${signature}`,
    });
  },
};
