import { faultLabel, type Fault } from '../faults/fault.js';
import { HttpError, rateLimited } from '../http/http-error.js';
import { sendJson } from '../http/respond.js';
import type { RouteContext } from './route.js';

const messages: Record<number, string> = {
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

/** The answer a status fault gives. */
export function faultError(status: number, retryAfter = 1): HttpError {
  if (status === 429)
    return rateLimited(retryAfter, 'Rate limit exceeded (injected by the emulator)');
  return new HttpError(status, {
    object: 'error',
    message: `${messages[status] ?? 'Error'} (injected by the emulator)`,
    type: 'server_error',
    param: null,
    code: 'emulator_fault',
  });
}

/**
 * Applies a fault. Returns `true` when the request is dealt with (answered, held open or dropped),
 * `false` when the handler should go on: after a `slow` wait, or with a `drop-after` that the
 * handler applies to its stream (`streamable`); a non-streamable request is dropped at once.
 */
export async function applyFault(
  ctx: RouteContext,
  fault: Fault,
  streamable: boolean,
): Promise<boolean> {
  const { runtime, res } = ctx;
  runtime.stats.countFault(faultLabel(fault));
  switch (fault.kind) {
    case 'status': {
      const error = faultError(fault.status, fault.retryAfter);
      sendJson(res, error.status, error.body, error.headers);
      return true;
    }
    case 'timeout':
      runtime.held.add(res);
      res.once('close', () => runtime.held.delete(res));
      return true;
    case 'slow': {
      const waited = await runtime.timers.sleep(fault.ms);
      return !waited || res.destroyed || res.writableEnded;
    }
    case 'drop-after':
      if (!streamable) {
        res.destroy();
        return true;
      }
      ctx.fault = fault;
      return false;
  }
}
