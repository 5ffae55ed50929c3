import type { IncomingMessage } from 'node:http';
import { GrowingBuffer } from './growing-buffer.js';
import { apiError, type HttpError } from './http-error.js';

/**
 * Reads a request body up to `limit` bytes, in memory that grows with the bytes received. A body
 * that is declared (`Content-Length`) or found larger than the limit is refused at once with a
 * 413 that closes the connection: nothing more is buffered, and the client is not waited for.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const known = req.headers['content-length'] !== undefined && Number.isFinite(declared);
    if (known && declared > limit) {
      reject(tooLarge(limit));
      return;
    }
    const body = new GrowingBuffer(known ? declared : undefined);
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      if (body.size + chunk.length > limit) {
        stop();
        reject(tooLarge(limit));
        return;
      }
      body.append(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(body.result());
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    const onClose = () => {
      if (req.complete) return;
      stop();
      reject(new Error('request aborted'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** The 413 for a body over the limit; the connection closes after it (the rest is unread). */
function tooLarge(limit: number): HttpError {
  return apiError(413, `Request body is larger than the limit of ${limit} bytes`, {
    code: 'payload_too_large',
    headers: { connection: 'close' },
  });
}
