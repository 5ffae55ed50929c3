/**
 * Context field names the page recognises. The conversation and batch machines (and any other
 * machine) get a streamed-text panel or a progress bar by naming their context fields this way.
 */
export const TEXT_FIELDS = [
  'partialText',
  'streamingText',
  'streamedText',
  'text',
  'outputText',
  'content',
] as const;

/** Objects searched for progress counters, in order; `''` is the context itself. */
export const PROGRESS_CONTAINERS = ['progress', 'job', 'batch', ''] as const;
export const TOTAL_FIELDS = ['total', 'totalRequests', 'total_requests'] as const;
export const COMPLETED_FIELDS = [
  'completed',
  'completedRequests',
  'completed_requests',
  'done',
  'processed',
] as const;
export const SUCCEEDED_FIELDS = ['succeeded', 'succeededRequests', 'succeeded_requests'] as const;
export const FAILED_FIELDS = ['failed', 'failedRequests', 'failed_requests'] as const;

export interface StreamedText {
  field: string;
  text: string;
}

/** The first string among `TEXT_FIELDS` at the top level of a context. */
export function findStreamedText(context: unknown): StreamedText | undefined {
  if (!isRecord(context)) return undefined;
  for (const field of TEXT_FIELDS) {
    const text = context[field];
    if (typeof text === 'string') return { field, text };
  }
  return undefined;
}

export interface Progress {
  /** Where the counters were found: `progress`, `job`, `context`, or a path such as `job.counters`. */
  field: string;
  completed: number;
  total: number;
  failed?: number;
  /** `completed / total`, clamped to [0, 1]; 0 when total is 0. */
  fraction: number;
}

/** How deep `findProgress` looks for counters below the context (`job.counters` is depth 2). */
export const PROGRESS_DEPTH = 3;

/**
 * Progress counters in a context: `progress` as a fraction in [0, 1], or an object with a total
 * (`total`, `totalRequests`, `total_requests`) and a count done (`completed`, `completedRequests`,
 * `completed_requests`, `done`, `processed`, or `succeeded*` + `failed*`). Looks in `progress`,
 * `job`, `batch` and the context itself first, then in any object nested up to `PROGRESS_DEPTH`
 * levels down (breadth first, in key order; arrays are not searched), so that `job.counters` of
 * the batch machine is found. `field` is the path where the counters were found.
 */
export function findProgress(context: unknown): Progress | undefined {
  if (!isRecord(context)) return undefined;
  const fraction = context.progress;
  if (typeof fraction === 'number' && fraction >= 0 && fraction <= 1) {
    return { field: 'progress', completed: fraction, total: 1, fraction };
  }
  for (const container of PROGRESS_CONTAINERS) {
    const source = container === '' ? context : context[container];
    const found = countersIn(source, container === '' ? 'context' : container);
    if (found !== undefined) return found;
  }
  let level: Array<[string, Record<string, unknown>]> = [['', context]];
  for (let depth = 1; depth <= PROGRESS_DEPTH && level.length > 0; depth++) {
    const next: Array<[string, Record<string, unknown>]> = [];
    for (const [path, object] of level) {
      for (const [key, value] of Object.entries(object)) {
        if (!isRecord(value) || typeof value.$type === 'string') continue;
        const childPath = path === '' ? key : `${path}.${key}`;
        const found = countersIn(value, childPath);
        if (found !== undefined) return found;
        next.push([childPath, value]);
      }
    }
    level = next;
  }
  return undefined;
}

function countersIn(source: unknown, field: string): Progress | undefined {
  if (!isRecord(source)) return undefined;
  const total = firstNumber(source, TOTAL_FIELDS);
  if (total === undefined) return undefined;
  const failed = firstNumber(source, FAILED_FIELDS);
  const succeeded = firstNumber(source, SUCCEEDED_FIELDS);
  const completed =
    firstNumber(source, COMPLETED_FIELDS) ??
    (succeeded === undefined ? undefined : succeeded + (failed ?? 0));
  if (completed === undefined) return undefined;
  const progress: Progress = {
    field,
    completed,
    total,
    fraction: total > 0 ? Math.min(1, Math.max(0, completed / total)) : 0,
  };
  if (failed !== undefined) progress.failed = failed;
  return progress;
}

function firstNumber(
  source: Record<string, unknown>,
  fields: readonly string[],
): number | undefined {
  for (const field of fields) {
    const value = source[field];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
