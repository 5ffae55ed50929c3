/** Events the log makes stand out. */
export type EventKind = 'error' | 'approval' | 'tool';

const WORD = (words: string) => new RegExp(`(^|[.:_\\-/])(${words})`, 'i');
const ERROR = WORD('error|fail|failed|failure|lost|timeout|timed');
const APPROVAL = WORD('approv|reject|confirm|deny|denied');
const TOOL = WORD('tool');

/**
 * Classifies an event by its type, in this order: `error` (a word of the type starts with
 * `error`, `fail`, `lost`, `timeout`, or it is XState's `xstate.error.*`, or the payload holds a
 * serialised error), `approval` (`approv`, `reject`, `confirm`, `deny`), `tool` (`tool`).
 * Words are separated by `.`, `:`, `_`, `-` or `/`, so `tool.approve` is an approval and
 * `user.send` is nothing.
 */
export function eventKind(type: string, payload?: unknown): EventKind | undefined {
  if (ERROR.test(type) || hasError(payload)) return 'error';
  if (APPROVAL.test(type)) return 'approval';
  if (TOOL.test(type)) return 'tool';
  return undefined;
}

function hasError(payload: unknown): boolean {
  if (typeof payload !== 'object' || payload === null) return false;
  return Object.values(payload).some(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      (value as { $type?: unknown }).$type === 'error',
  );
}
