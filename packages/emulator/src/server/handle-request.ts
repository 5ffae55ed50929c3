import type { IncomingMessage, ServerResponse } from 'node:http';
import { hashString } from '../model/prng.js';
import { hasValidSignature } from '../routes/files.js';
import {
  apiError,
  HttpError,
  rateLimited,
  validationError,
  ValidationFailure,
  wrappedValidationError,
  type ErrorShape,
} from '../http/http-error.js';
import { readBody } from '../http/read-body.js';
import { sendJson } from '../http/respond.js';
import type { Router } from '../http/router.js';
import { splitPath } from '../http/split-path.js';
import type { ValidationIssue } from '../validation/schema-types.js';
import { applyFault } from './apply-fault.js';
import { RequestGuard, unauthorized } from './request-guard.js';
import type { RouteContext, RouteSpec } from './route.js';
import type { EmulatorRuntime } from './runtime.js';

const empty: Buffer = Buffer.alloc(0);

/**
 * The request pipeline: refuse foreign `Host` names and cross-origin pages (`RequestGuard`), serve
 * the control routes, find the route, count it, check the API key and the rate limits, read the
 * body, apply any fault (header, then the global rate for model calls), then run the handler.
 * Errors become the API's error answers; nothing a client sends can crash the server.
 */
export function createRequestHandler(
  runtime: EmulatorRuntime,
  router: Router<RouteSpec>,
  control: (req: IncomingMessage, res: ServerResponse, path: string) => boolean,
): (req: IncomingMessage, res: ServerResponse) => void {
  const guard = new RequestGuard(runtime.options);
  return (req, res) => {
    handle(req, res).catch((error: unknown) => fail(res, error, runtime.options.errorShape));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const { path, prefix, query } = splitPath(req.url ?? '/');
    const isControl = path.startsWith('/_emulator/');
    const refused = guard.check(req, method, isControl);
    if (refused) {
      req.resume();
      throw refused;
    }
    if (isControl && control(req, res, path)) return;
    const match = router.match(method, path);
    if (!match) {
      runtime.stats.countRequest(`${method} (unmatched)`);
      req.resume();
      if (router.hasPath(path))
        throw apiError(405, 'Method Not Allowed', { code: 'method_not_allowed' });
      throw apiError(404, `No route for ${method} ${path}`, { code: 'not_found' });
    }
    const { route, params } = match;
    const requestKey = () => `${method} ${path}?${query} ${hashString(raw.toString('latin1'))}`;
    const spec = route.value;
    runtime.stats.countRequest(route.name);

    const searchParams = new URLSearchParams(query);
    const signed =
      spec.signedAccess === true &&
      hasValidSignature(
        { query: searchParams, params },
        runtime.signingSecret,
        runtime.clock.now(),
      );
    if (!signed && !guard.hasKey(req)) {
      req.resume();
      throw unauthorized();
    }
    if (runtime.rateLimits) {
      const wait = runtime.rateLimits.admit(req, res, spec.modelCall === true);
      if (wait > 0) {
        runtime.stats.rateLimited++;
        req.resume();
        throw rateLimited(wait);
      }
    }
    if (spec.modelCall) res.once('close', runtime.stats.startModelCall());

    let raw = empty;
    if (spec.body === 'none') req.resume();
    else {
      const limit =
        spec.body === 'raw'
          ? runtime.options.maxFileBytes + 1024 * 1024
          : runtime.options.maxBodyBytes;
      raw = await readBody(req, limit);
    }
    const body = spec.body === 'json' ? parseJson(req, raw, spec.service) : undefined;

    const ctx: RouteContext = {
      req,
      res,
      params,
      query: searchParams,
      body,
      raw,
      streaming: (body as { stream?: unknown } | undefined)?.stream === true,
      runtime,
      baseUrl: `http://${req.headers.host ?? `${runtime.options.host}:${runtime.options.port}`}${prefix}`,
    };
    const header = runtime.faults.fromHeaders(req.headers, requestKey);
    if (header && 'invalid' in header) {
      throw apiError(400, `Invalid emulator fault: ${header.invalid}`, { code: 'invalid_fault' });
    }
    const fault = header?.fault ?? (spec.modelCall ? runtime.faults.draw() : undefined);
    if (fault && (await applyFault(ctx, fault, spec.modelCall === true))) return;
    try {
      await spec.handler(ctx);
    } catch (error) {
      throw spec.service === 'files' ? toFilesError(error) : error;
    }
  }
}

/**
 * Parses a JSON body the way the real API (FastAPI) does: a body that is not JSON, or not sent as
 * JSON, is a 422 (`json_invalid`, `model_attributes_type`); an empty body is a missing body.
 */
function parseJson(req: IncomingMessage, raw: Buffer, service: RouteSpec['service']): unknown {
  const fail = (issue: ValidationIssue) =>
    service === 'api' ? validationError([issue]) : wrappedValidationError([issue]);
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) {
    throw fail({ type: 'missing', loc: ['body'], msg: 'Field required', input: null });
  }
  const text = raw.toString('utf8');
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw fail({
      type: 'model_attributes_type',
      loc: ['body'],
      msg: 'Input should be a valid dictionary or object to extract fields from',
      input: text.length > 200 ? `${text.slice(0, 200)}...` : text,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    return throwJsonError(error, fail);
  }
}

function throwJsonError(error: unknown, fail: (issue: ValidationIssue) => HttpError): never {
  const message = error instanceof Error ? error.message : String(error);
  const position = /position (\d+)/.exec(message);
  throw fail({
    type: 'json_invalid',
    loc: ['body', position ? Number(position[1]) : 0],
    msg: 'JSON decode error',
    input: {},
    ctx: { error: message },
  });
}

/** The files and batch services wrap 422 details in the documented error body. */
function toFilesError(error: unknown): unknown {
  if (error instanceof ValidationFailure && !error.wrapped) {
    return wrappedValidationError(error.issues);
  }
  return error;
}

/** Answers an error: the error's own answer (in the error shape), or a 500 for anything unexpected. */
function fail(res: ServerResponse, error: unknown, shape: ErrorShape): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  if (error instanceof HttpError) {
    sendJson(res, error.status, error.bodyFor(shape), error.headers);
    return;
  }
  if (error instanceof Error && error.message === 'request aborted') {
    res.destroy();
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  sendJson(res, 500, {
    object: 'error',
    message: `Emulator error: ${message}`,
    type: 'server_error',
    param: null,
    code: null,
  });
}
