import { ProgressBar } from './progress-bar.js';
import { createStyle, pad, truncate, visibleWidth, type Style } from './style.js';

export interface OutputOptions {
  /** Where text goes (default `process.stdout`). */
  stream?: NodeJS.WriteStream;
  /** Colours on (the caller decides: TTY, `NO_COLOR`, `--no-color`). */
  color: boolean;
  /** Redraw progress bars in place (a TTY); otherwise they print a line now and then. */
  tty: boolean;
  /** Print nothing at all (`--json`: stdout is for the JSON lines). */
  quiet: boolean;
}

/** A column of `table()`. */
export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** Cut cells to this width; the last column takes what the terminal has left by default. */
  maxWidth?: number;
}

/** Width of the label column of `field()` lines. */
export const LABEL_WIDTH = 14;
const INDENT = '  ';

/**
 * The demo's terminal: headings, `label  value` lines with aligned labels, aligned tables,
 * word-wrapped streamed text and progress bars. Quiet in `--json` mode.
 */
export class Output {
  readonly style: Style;
  readonly tty: boolean;
  readonly quiet: boolean;
  private readonly stream: NodeJS.WriteStream;

  constructor(options: OutputOptions) {
    this.stream = options.stream ?? process.stdout;
    this.style = createStyle(options.color && !options.quiet);
    this.tty = options.tty && !options.quiet;
    this.quiet = options.quiet;
  }

  /** Usable width: the terminal's, between 60 and 120 columns (100 off a TTY). */
  get width(): number {
    const columns = this.stream.isTTY ? this.stream.columns : undefined;
    return Math.min(120, Math.max(60, columns ?? 100));
  }

  write(text: string): void {
    if (!this.quiet) this.stream.write(text);
  }

  line(text = ''): void {
    this.write(`${text}\n`);
  }

  /** A scenario's first line: its name and what it shows. */
  heading(name: string, title: string): void {
    const s = this.style;
    this.line();
    this.line(`${s.bold(s.cyan(name))} ${s.dim('·')} ${title}`);
  }

  /** `  label       value`, labels aligned across the whole demo. */
  field(label: string, value: string): void {
    this.line(`${INDENT}${pad(this.style.dim(label), LABEL_WIDTH)} ${value}`);
  }

  /** A value that does not fit on one line is cut to the width left after the label. */
  fieldTruncated(label: string, value: string): void {
    this.field(label, truncate(value, this.width - INDENT.length - LABEL_WIDTH - 1));
  }

  /** An aligned table under the labels' indentation; cells are plain text, `paint` colours them. */
  table(
    columns: Column[],
    rows: string[][],
    paint: (row: number, column: number, text: string) => string = (_r, _c, t) => t,
  ): void {
    const widths = columns.map((column, c) =>
      Math.min(
        column.maxWidth ?? Infinity,
        Math.max(visibleWidth(column.header), ...rows.map((row) => visibleWidth(row[c] ?? ''))),
      ),
    );
    const gap = 2;
    const used = widths.slice(0, -1).reduce((sum, w) => sum + w + gap, INDENT.length);
    const last = widths.length - 1;
    widths[last] = Math.max(8, Math.min(widths[last]!, this.width - used));
    const render = (cells: string[], color: (c: number, text: string) => string) =>
      INDENT +
      cells
        .map((cell, c) => {
          const text = truncate(cell, widths[c]!);
          const padded = c === last ? text : pad(text, widths[c]!, columns[c]!.align);
          return color(c, padded);
        })
        .join(' '.repeat(gap))
        .trimEnd();
    this.line(
      render(
        columns.map((column) => column.header),
        (_c, text) => this.style.dim(text),
      ),
    );
    rows.forEach((row, r) => this.line(render(row, (c, text) => paint(r, c, text))));
  }

  /** Streams text under a label, word-wrapped with a hanging indent. Call `end()` after the last delta. */
  streamed(label: string, color: (text: string) => string = (t) => t): StreamedText {
    return new StreamedText(this, label, color);
  }

  progress(label: string, total: number): ProgressBar {
    return new ProgressBar(this, label, total);
  }

  /** Writes `text` over the current line (progress bars on a TTY). */
  overwrite(text: string): void {
    this.write(`\r\u001b[2K${text}`);
  }
}

/** Word-wraps deltas as they arrive, so a streamed answer reads as a paragraph. */
export class StreamedText {
  private column = 0;
  private pendingSpace = '';
  private started = false;
  private readonly indent = INDENT.length + LABEL_WIDTH + 1;

  constructor(
    private readonly out: Output,
    private readonly label: string,
    private readonly color: (text: string) => string,
  ) {}

  write(delta: string): void {
    if (!this.started) {
      this.started = true;
      this.out.write(`${INDENT}${pad(this.out.style.dim(this.label), LABEL_WIDTH)} `);
      this.column = this.indent;
    }
    for (const piece of delta.split(/(\s+)/)) {
      if (piece === '') continue;
      if (/^\s+$/.test(piece)) {
        const breaks = piece.split('\n').length - 1;
        if (breaks > 0) {
          if (this.column > this.indent) this.newLine();
          if (breaks > 1) this.out.write('\n');
          this.pendingSpace = '';
        } else if (this.column > this.indent) {
          this.pendingSpace = ' ';
        }
        continue;
      }
      const width = [...piece].length;
      // Break only between words: a delta that continues a word ("admin" + "123") stays on its line.
      const startsWord = this.pendingSpace !== '' || this.column === this.indent;
      if (
        startsWord &&
        this.column > this.indent &&
        this.column + this.pendingSpace.length + width > this.out.width
      ) {
        this.newLine();
        this.pendingSpace = '';
      }
      this.out.write(this.color(this.pendingSpace + piece));
      this.column += this.pendingSpace.length + width;
      this.pendingSpace = '';
    }
  }

  /** Drops what was written (a restarted stream) and starts again on a fresh line. */
  restart(note: string): void {
    if (this.started) this.out.write('\n');
    this.out.field('', this.out.style.yellow(note));
    this.started = false;
    this.column = 0;
    this.pendingSpace = '';
  }

  end(): void {
    if (this.started) this.out.write('\n');
    this.started = false;
  }

  private newLine(): void {
    this.out.write(`\n${' '.repeat(this.indent)}`);
    this.column = this.indent;
  }
}
