/** ANSI styles, or plain text when colour is off. */
export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  magenta(text: string): string;
}

const codes = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  magenta: [35, 39],
} as const;

/** Styles that colour when `enabled`, and return the text unchanged otherwise. */
export function createStyle(enabled: boolean): Style {
  const wrap =
    ([open, close]: readonly [number, number]) =>
    (text: string) =>
      enabled && text !== '' ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    enabled,
    bold: wrap(codes.bold),
    dim: wrap(codes.dim),
    red: wrap(codes.red),
    green: wrap(codes.green),
    yellow: wrap(codes.yellow),
    cyan: wrap(codes.cyan),
    magenta: wrap(codes.magenta),
  };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
/** Splits a text into plain parts and escape sequences (kept, thanks to the group). */
// eslint-disable-next-line no-control-regex
const ANSI_PARTS = /(\u001b\[[0-9;]*[A-Za-z])/;

/** The width of `text` on screen, escape sequences excluded. */
export function visibleWidth(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

/** Pads `text` with spaces to `width` visible characters (on the right, or left for numbers). */
export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - visibleWidth(text)));
  return align === 'left' ? text + fill : fill + text;
}

/**
 * Cuts `text` to `width` visible characters, ending with an ellipsis when cut. Escape sequences
 * are kept and not counted; a cut styled text is reset at its end.
 */
export function truncate(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  const keep = Math.max(0, width - 1);
  let result = '';
  let visible = 0;
  let styled = false;
  for (const part of text.split(ANSI_PARTS)) {
    if (part.startsWith('\u001b[')) {
      result += part;
      styled = true;
      continue;
    }
    for (const char of part) {
      if (visible === keep) break;
      result += char;
      visible++;
    }
  }
  return `${result}${width >= 1 ? '…' : ''}${styled ? '\u001b[0m' : ''}`;
}

/** `1.2 s`, `850 ms`. */
export function formatDuration(ms: number): string {
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(1)} s`;
}
