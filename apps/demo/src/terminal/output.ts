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
  private readonly bars: ProgressBar[] = [];

  constructor(options: OutputOptions) {
    this.stream = options.stream ?? process.stdout;
    this.style = createStyle(options.color && !options.quiet);
    this.tty = options.tty && !options.quiet;
    this.quiet = options.quiet;
  }

  /** Usable width: the terminal's, between 60 and 120 columns (100 off a TTY). */
  get width(): number {
    // A pseudo-terminal may report 0 columns: treat it as unknown.
    const columns = this.stream.isTTY ? this.stream.columns : 0;
    return Math.min(120, Math.max(60, columns || 100));
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
  streamed(label: string): StreamedText {
    return new StreamedText(this, label);
  }

  progress(label: string, total: number): ProgressBar {
    const bar = new ProgressBar(this, label, total);
    this.bars.push(bar);
    return bar;
  }

  /** Stops every progress bar still drawing (a scenario that failed or was interrupted). */
  finishProgress(): void {
    for (const bar of this.bars.splice(0)) bar.finish();
  }

  /** Writes `text` over the current line (progress bars on a TTY). */
  overwrite(text: string): void {
    this.write(`\r\u001b[2K${text}`);
  }
}

/**
 * Word-wraps deltas as they arrive, so a streamed answer reads as a paragraph. A word is written
 * once the whitespace after it arrives (a token later), because deltas split words ("admin" +
 * "123") and a line may only break between words.
 */
export class StreamedText {
  private column = 0;
  private word = '';
  private spaceBefore = false;
  private started = false;
  private readonly indent = INDENT.length + LABEL_WIDTH + 1;

  constructor(
    private readonly out: Output,
    private readonly label: string,
  ) {}

  /** Writes styled text (a request id, say) before the streamed words. */
  prefix(text: string): void {
    this.begin();
    this.out.write(`${text} `);
    this.column += visibleWidth(text) + 1;
  }

  write(delta: string): void {
    this.begin();
    for (const piece of delta.split(/(\s+)/)) {
      if (piece === '') continue;
      if (!/^\s+$/.test(piece)) {
        this.word += piece;
        continue;
      }
      this.flushWord();
      const breaks = piece.split('\n').length - 1;
      if (breaks > 0) {
        if (this.column > this.indent) this.newLine();
        if (breaks > 1) this.out.write('\n');
      } else if (this.column > this.indent) {
        this.spaceBefore = true;
      }
    }
  }

  /** Drops what was written (a restarted stream) and starts again on a fresh line. */
  restart(note: string): void {
    this.end();
    this.out.field('', this.out.style.yellow(note));
  }

  end(): void {
    this.flushWord();
    if (this.started) this.out.write('\n');
    this.started = false;
    this.column = 0;
    this.spaceBefore = false;
  }

  private flushWord(): void {
    if (this.word === '') return;
    const space = this.spaceBefore ? 1 : 0;
    const width = [...this.word].length;
    if (this.column > this.indent && this.column + space + width > this.out.width) {
      this.newLine();
    } else if (space) {
      this.out.write(' ');
      this.column += 1;
    }
    this.out.write(this.word);
    this.column += width;
    this.word = '';
    this.spaceBefore = false;
  }

  private begin(): void {
    if (this.started) return;
    this.started = true;
    this.out.write(`${INDENT}${pad(this.out.style.dim(this.label), LABEL_WIDTH)} `);
    this.column = this.indent;
  }

  private newLine(): void {
    this.out.write(`\n${' '.repeat(this.indent)}`);
    this.column = this.indent;
    this.spaceBefore = false;
  }
}
