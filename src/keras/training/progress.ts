// Keras' progress bar (keras.utils.Progbar as ProgbarLogger drives it for fit(verbose=1)):
//
//   Epoch 1/5
//    64/125 [=================>............] - ETA: 1s - loss: 0.2345
//   125/125 [==============================] - 2s 16ms/step - loss: 0.2034 - val_loss: 0.1870
//
// On a terminal the bar is redrawn in place with '\r' at most every `interval` seconds; when the
// output is not a terminal (a pipe, a log file, a browser console) it prints one line per epoch.
// verbose=0 prints nothing. Browser-safe: process.stdout is used only when it exists.
//
// The values shown are running averages over the epoch that fit() keeps on the device; the bar
// asks for them (`read()`) only when it actually redraws, so a step costs no extra data read.
import type {Logs} from '../callbacks.js';

/** Where the bar goes. `isTTY` decides between redrawing in place and one line per epoch. */
export interface ProgressOutput {
  isTTY: boolean;
  /** Writes text as it is (no newline added). */
  write(text: string): void;
}

/** process.stdout in Node, console.log elsewhere. */
export function defaultOutput(): ProgressOutput {
  const stdout = (globalThis as {process?: {stdout?: {isTTY?: boolean; write?: (s: string) => unknown}}}).process
    ?.stdout;
  if (stdout && typeof stdout.write === 'function') {
    return {
      isTTY: !!stdout.isTTY,
      write: text => {
        stdout.write!(text);
      },
    };
  }
  let pending = '';
  return {
    isTTY: false,
    write(text) {
      // console.log adds its own newline: hand it whole lines.
      pending += text;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        console.log(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    },
  };
}

const now = () => (globalThis.performance ?? Date).now();

/** Python's '%.4f' for |v| > 1e-3, else '%.4e' with a two-digit exponent ('1.2340e-04'). */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (Math.abs(v) > 1e-3) return v.toFixed(4);
  return v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Keras' ETA: '7s', '1:05', '1:02:03'. */
export function formatEta(seconds: number): string {
  const s = Math.floor(seconds);
  const two = (n: number) => String(n).padStart(2, '0');
  if (seconds > 3600) return `${Math.floor(s / 3600)}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
  if (seconds > 60) return `${Math.floor(s / 60)}:${two(s % 60)}`;
  return `${s}s`;
}

/** Keras' per-step time: '2s/step', '16ms/step', '850us/step'. */
export function formatTimePerUnit(seconds: number, unit = 'step'): string {
  if (seconds >= 1 || seconds === 0) return `${Math.round(seconds)}s/${unit}`;
  if (seconds >= 1e-3) return `${Math.round(seconds * 1e3)}ms/${unit}`;
  return `${Math.round(seconds * 1e6)}us/${unit}`;
}

/** ' 64/125 [=================>............]' — Keras' bar, 30 characters wide. */
export function formatBar(current: number, target: number, width = 30): string {
  const digits = String(target).length;
  let bar = `${String(current).padStart(digits)}/${target} [`;
  const filled = Math.floor((width * Math.min(current, target)) / target);
  if (filled > 0) bar += '='.repeat(filled - 1) + (current < target ? '>' : '=');
  return `${bar + '.'.repeat(width - filled)}]`;
}

function formatLogs(logs: Logs): string {
  return Object.entries(logs)
    .map(([k, v]) => ` - ${k}: ${formatValue(v)}`)
    .join('');
}

export interface ProgressConfig {
  epochs: number;
  /** Batches per epoch. */
  steps: number;
  verbose: number;
  output?: ProgressOutput;
  /** Minimum seconds between two redraws on a terminal (Keras: 0.05). */
  interval?: number;
}

/** Draws fit()'s progress. fit() calls the methods; nothing is drawn when verbose is 0. */
export class ProgressBar {
  private readonly output: ProgressOutput | null;
  private readonly interval: number;
  private epochStart = 0;
  private lastDraw = -Infinity;
  private lastWidth = 0;
  private epoch = 0;

  constructor(private readonly config: ProgressConfig) {
    this.output = config.verbose > 0 ? (config.output ?? defaultOutput()) : null;
    this.interval = (config.interval ?? 0.05) * 1000;
  }

  /** True when `onBatchEnd` may call `read` now (a terminal, and the redraw interval has passed). */
  wantsRedraw(step: number): boolean {
    if (!this.output?.isTTY) return false;
    return step >= this.config.steps || now() - this.lastDraw >= this.interval;
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
    this.epochStart = now();
    this.lastDraw = -Infinity;
    this.lastWidth = 0;
    if (this.output?.isTTY) this.output.write(`Epoch ${epoch + 1}/${this.config.epochs}\n`);
  }

  /**
   * After `step` batches of this epoch (1-based). `read` returns the running averages; it is
   * called only when the bar is redrawn.
   */
  onBatchEnd(step: number, read: () => Logs): void {
    if (!this.wantsRedraw(step) || step >= this.config.steps) return; // the last step is drawn by onEpochEnd
    const elapsed = (now() - this.epochStart) / 1000;
    const eta = step > 0 ? (elapsed / step) * (this.config.steps - step) : 0;
    this.draw(`${formatBar(step, this.config.steps)} - ETA: ${formatEta(eta)}${formatLogs(read())}`, false);
  }

  /** The epoch's final line, with validation logs. */
  onEpochEnd(logs: Logs, stepsDone = this.config.steps): void {
    if (!this.output) return;
    const elapsed = (now() - this.epochStart) / 1000;
    const perStep = stepsDone > 0 ? elapsed / stepsDone : 0;
    const timing = ` - ${Math.round(elapsed)}s ${formatTimePerUnit(perStep)}`;
    if (this.output.isTTY) {
      this.draw(`${formatBar(stepsDone, this.config.steps)}${timing}${formatLogs(logs)}`, true);
    } else {
      this.output.write(
        `Epoch ${this.epoch + 1}/${this.config.epochs} - ${stepsDone}/${this.config.steps}${timing}${formatLogs(logs)}\n`,
      );
    }
  }

  private draw(line: string, finalize: boolean): void {
    // '\r' and trailing spaces over whatever a longer previous line left behind.
    const pad = Math.max(0, this.lastWidth - line.length);
    this.output!.write(`\r${line}${' '.repeat(pad)}${finalize ? '\n' : ''}`);
    this.lastWidth = line.length;
    this.lastDraw = now();
  }
}
