/**
 * A fault the emulator injects instead of (or into) a normal answer:
 * - `status`: an error answer (`429` with `Retry-After`, `500`, `502`, `503`, `504`);
 * - `timeout`: never answers; the connection stays open until the client gives up;
 * - `drop-after`: for a streamed answer, sends the role chunk and exactly `chunks` content chunks,
 *   then destroys the connection without `[DONE]`; a non-streamed answer is dropped before any byte;
 * - `slow`: waits `ms` milliseconds before answering normally.
 */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: number }
  | { kind: 'timeout' }
  | { kind: 'drop-after'; chunks: number }
  | { kind: 'slow'; ms: number };

const statuses = new Set([429, 500, 502, 503, 504]);

/**
 * Parses the fault syntax shared by the `x-emulator-fault` header and scenario files:
 * `429`, `429:<retry-after seconds>`, `500`, `502`, `503`, `504`, `timeout`, `drop-after:<n>`,
 * `slow:<ms>`. Returns undefined for anything else.
 */
export function parseFault(text: string): Fault | undefined {
  const value = text.trim().toLowerCase();
  const [head = '', arg] = value.split(':', 2);
  const number = arg === undefined ? undefined : Number(arg);
  if (arg !== undefined && (!Number.isInteger(number) || number! < 0)) return undefined;
  if (/^\d{3}$/.test(head) && statuses.has(Number(head))) {
    if (head === '429') return { kind: 'status', status: 429, retryAfter: number ?? 1 };
    return arg === undefined ? { kind: 'status', status: Number(head) } : undefined;
  }
  if (head === 'timeout' && arg === undefined) return { kind: 'timeout' };
  if (head === 'drop-after' && number !== undefined) return { kind: 'drop-after', chunks: number };
  if (head === 'slow' && number !== undefined) return { kind: 'slow', ms: number };
  return undefined;
}

/** The name a fault is counted under in `stats().faultsInjected`. */
export function faultLabel(fault: Fault): string {
  switch (fault.kind) {
    case 'status':
      return String(fault.status);
    case 'timeout':
      return 'timeout';
    case 'drop-after':
      return 'drop-after';
    case 'slow':
      return 'slow';
  }
}
