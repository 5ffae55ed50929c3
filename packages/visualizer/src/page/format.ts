import type { SerializedValue } from '../serialize.js';

/** `hh:mm:ss.mmm` in local time. */
export function formatTime(t: number): string {
  const date = new Date(t);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** The active leaf states of a snapshot value: `'a'`, `'p.r1.x, p.r2.y'`. */
export function formatStateValue(value: SerializedValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return '';
  const leaves: string[] = [];
  const walk = (current: SerializedValue, prefix: string): void => {
    if (typeof current === 'string') {
      leaves.push(prefix === '' ? current : `${prefix}.${current}`);
    } else if (typeof current === 'object' && current !== null && !Array.isArray(current)) {
      const entries = Object.entries(current);
      if (entries.length === 0 && prefix !== '') leaves.push(prefix);
      for (const [key, child] of entries) walk(child, prefix === '' ? key : `${prefix}.${key}`);
    }
  };
  walk(value, '');
  return leaves.join(', ');
}

/** The `$type` tag of a serialised special value, if it is one. */
export function specialType(value: SerializedValue): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const tag = value.$type;
  return typeof tag === 'string' ? tag : undefined;
}

/** One-line text for a serialised special value (`ƒ load`, `123n`, `Error: boom`). */
export function formatSpecial(value: Record<string, SerializedValue>): string {
  const text = (key: string): string => {
    const item = value[key];
    return typeof item === 'string' || typeof item === 'number' ? String(item) : '';
  };
  switch (value.$type) {
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `${text('value')}n`;
    case 'number':
      return text('value');
    case 'function':
      return `ƒ ${text('name') || 'anonymous'}`;
    case 'symbol':
      return `Symbol(${text('description')})`;
    case 'actor':
      return `actor ${text('id')}`;
    case 'error':
      return `${text('name')}: ${text('message')}`;
    case 'circular':
      return '[circular]';
    case 'max-depth':
      return '[too deep]';
    case 'truncated':
      return value.omitted === undefined ? '[truncated]' : `[${text('omitted')} more]`;
    case 'thrown':
      return '[getter threw]';
    case 'regexp':
      return text('source');
    case 'binary':
      return `${text('name')}(${text('byteLength')} bytes)`;
    case 'promise':
      return 'Promise';
    case 'map':
      return 'Map';
    case 'set':
      return 'Set';
    default:
      return typeof value.$type === 'string' ? value.$type : 'value';
  }
}

/** Compact one-line JSON, cut at `max` characters. */
export function preview(value: SerializedValue | undefined, max = 160): string {
  if (value === undefined) return '';
  const text = JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
