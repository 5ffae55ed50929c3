import type { ServerResponse } from 'node:http';

const jsonType = 'application/json';

/** Sends a JSON body with an exact `Content-Length`. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void {
  sendText(res, status, JSON.stringify(body), jsonType, headers);
}

/** Sends an already serialised body. */
export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  contentType: string,
  headers?: Record<string, string>,
): void {
  if (headers) {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  }
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** 204 with no body. */
export function sendNoContent(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}
