import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Fault } from '../faults/fault.js';
import type { EmulatorRuntime } from './runtime.js';

/** What a route handler receives. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body (`body: 'json'` routes). */
  body: unknown;
  /** The raw body (`body: 'raw'` routes, such as multipart uploads). */
  raw: Buffer;
  /** The request asks for a streamed answer (`"stream": true`). */
  streaming: boolean;
  /** A `drop-after` fault the handler applies to its stream. */
  fault?: Fault;
  runtime: EmulatorRuntime;
  /** Scheme, host and path prefix the client used (`http://127.0.0.1:4010/prefix`). */
  baseUrl: string;
}

/**
 * How a route is served: `body` says how to read the request body, `service` which error shape
 * applies (`api` = chat, agents, conversations, models: 422 in the configured `errorShape`;
 * `files`: the documented error body always), `modelCall` that it runs the model (counted in
 * stats, subject to global faults).
 */
export interface RouteSpec {
  body: 'json' | 'raw' | 'none';
  service: 'api' | 'files';
  modelCall?: boolean;
  /** A valid signed-URL signature replaces the API key (file downloads). */
  signedAccess?: boolean;
  handler: (ctx: RouteContext) => void | Promise<void>;
}
