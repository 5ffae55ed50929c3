import type { IncomingMessage } from 'node:http';
import { apiError } from './http-error.js';

/**
 * Reads a request body up to `limit` bytes. A larger body is drained (never buffered) and answered
 * with 413; a client that keeps sending far beyond the limit has its connection dropped.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    let tooLarge = Number.isFinite(declared) && declared > limit;
    // With a declared length the body is copied once into its final buffer.
    const target = !tooLarge && declared > 0 ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    const hardLimit = Math.max(limit * 4, 64 * 1024 * 1024);
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (tooLarge || size > limit) {
        tooLarge = true;
        chunks.length = 0;
        if (size > hardLimit) req.destroy();
        return;
      }
      if (target) chunk.copy(target, size - chunk.length);
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) {
        reject(
          apiError(413, `Request body is larger than the limit of ${limit} bytes`, {
            code: 'payload_too_large',
          }),
        );
      } else if (target) {
        resolve(size === target.length ? target : target.subarray(0, size));
      } else {
        resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      }
    });
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('request aborted'));
    });
  });
}
