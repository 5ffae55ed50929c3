import type { Output } from './output.js';
import { LABEL_WIDTH } from './output.js';
import { formatDuration, pad } from './style.js';

/** What a progress bar shows. */
export interface ProgressState {
  completed: number;
  total?: number;
  /** A status word (`QUEUED`, `RUNNING`, ...). */
  status?: string;
  /** Anything else, shown after the elapsed time. */
  detail?: string;
}

const BAR_WIDTH = 24;
const REDRAW_MS = 100;

/**
 * A progress bar with status, n/N and elapsed time. On a TTY it redraws one line in place (and
 * keeps the elapsed time ticking); elsewhere it prints a line when the status changes and at each
 * quarter of the way, so that logs stay short. `status` is a phase word; counts that change all
 * the time belong in `detail`.
 */
export class ProgressBar {
  private readonly started = Date.now();
  private state: ProgressState;
  private timer: NodeJS.Timeout | undefined;
  private lastStatus: string | undefined;
  private lastQuarter = -1;
  private finished = false;

  constructor(
    private readonly out: Output,
    private readonly label: string,
    total: number,
  ) {
    this.state = { completed: 0, total };
    if (out.tty) {
      this.timer = setInterval(() => this.draw(), REDRAW_MS);
      this.timer.unref();
      this.draw();
    }
  }

  update(state: Partial<ProgressState>): void {
    if (this.finished) return;
    this.state = { ...this.state, ...state };
    if (this.out.tty) {
      this.draw();
      return;
    }
    const quarter = this.quarter();
    if (this.state.status !== this.lastStatus || quarter > this.lastQuarter) {
      this.lastStatus = this.state.status;
      this.lastQuarter = quarter;
      this.out.line(this.render());
    }
  }

  /** Leaves the bar with its last state on screen and stops redrawing. */
  finish(state: Partial<ProgressState> = {}): void {
    if (this.finished) return;
    this.state = { ...this.state, ...state };
    this.finished = true;
    if (this.timer) clearInterval(this.timer);
    if (this.out.tty) {
      this.draw();
      this.out.write('\n');
    } else if (this.quarter() > this.lastQuarter) {
      this.out.line(this.render());
    }
  }

  private quarter(): number {
    const { completed, total } = this.state;
    return total ? Math.floor((4 * completed) / total) : 0;
  }

  private draw(): void {
    this.out.overwrite(this.render());
  }

  private render(): string {
    const s = this.out.style;
    const { completed, total, status, detail } = this.state;
    const fraction = total ? Math.min(1, completed / total) : 0;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = s.green('█'.repeat(filled)) + s.dim('░'.repeat(BAR_WIDTH - filled));
    const count = total !== undefined ? `${completed}/${total}` : String(completed);
    const width = total !== undefined ? String(total).length * 2 + 1 : 0;
    return [
      `  ${pad(s.dim(this.label), LABEL_WIDTH)}`,
      bar,
      pad(count, width, 'right'),
      ...(status !== undefined ? [pad(status, 10)] : []),
      pad(formatDuration(Date.now() - this.started), 7, 'right'),
      detail ? s.dim(detail) : '',
    ]
      .join(' ')
      .trimEnd();
  }
}
