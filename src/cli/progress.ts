// Progress on stderr, only on a terminal and only once a command has run for a second: elapsed time, rate,
// ETA (where the total is known), thousands separators, never wider than the terminal.
import type { Progress } from '../engine/pool.js';

export interface ProgressHandle {
  onProgress: Progress;
  /** Add `n` units of work done (for sources that report increments, such as Engine.onSimulated). */
  add(n: number): void;
  /** Change the total (undefined: unknown, so no bar and no ETA) and optionally the label. */
  setTotal(total: number | undefined, label?: string): void;
  /** Print a line above the progress line (the line is cleared first and drawn again after). */
  interrupt(print: () => void): void;
  stop(): void;
}

/** Where the line goes: process.stderr, or a stand-in in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** Name of the unit counted (default `patients`). */
  unit?: string;
  /** Nothing is drawn before this many milliseconds (default PROGRESS_TIMING.delayMs, 1000). */
  delayMs?: number;
  total?: number;
  stream?: ProgressStream;
  now?: () => number;
}

/** Timings of the line: first drawn after `delayMs`, redrawn at most every `everyMs`, a rate after `rateAfterMs` of work (tests set them to 0). */
export const PROGRESS_TIMING = { delayMs: 1000, everyMs: 100, rateAfterMs: 200 };

const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

/** 9s, 1m 05s, 2h 03m. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export interface ProgressState {
  label: string;
  done: number;
  total?: number;
  elapsedMs: number;
  unit: string;
  /** Units per second, measured since the first unit arrived (start-up excluded); undefined: not yet known. */
  rate?: number;
}

/**
 * The progress line, at most `columns - 1` characters (the last column is left free so a terminal never
 * wraps): the most detailed form that fits, dropping the bar, then the rate, then the counts.
 */
export function formatProgress(p: ProgressState, columns: number): string {
  const max = Math.max(10, columns) - 1;
  const seconds = p.elapsedMs / 1000;
  const rate = p.rate ?? 0;
  const known = p.total !== undefined && p.total > 0 && p.done <= p.total;
  const fraction = known ? p.done / p.total! : 0;
  const counts = known ? `${thousands(p.done)}/${thousands(p.total!)} ${p.unit}` : `${thousands(p.done)} ${p.unit}`;
  const rateText = p.rate === undefined ? '' : `${rate >= 100 ? thousands(rate) : rate.toFixed(1)} ${p.unit}/s`;
  const eta = known && rate > 0 ? `ETA ${formatDuration((p.total! - p.done) / rate)}` : '';
  const percent = known ? `${Math.floor(100 * fraction)}%` : '';
  const elapsed = `${formatDuration(seconds)} elapsed`;
  const join = (parts: string[]) => parts.filter(Boolean).join('  ');
  const bar = (width: number) => `[${'#'.repeat(Math.round(width * fraction)).padEnd(width, '.')}]`;
  const forms = [
    (w: number) => join([p.label, known ? bar(w) : '', percent, counts, elapsed, rateText, eta]),
    () => join([p.label, percent, counts, elapsed, rateText, eta]),
    () => join([p.label, percent, counts, elapsed, eta]),
    () => join([p.label, percent, elapsed, eta]),
    () => join([percent, elapsed, eta]),
  ];
  const withoutBar = forms[0](0).length; // "[]" counted: the bar's brackets
  const barWidth = Math.min(30, max - withoutBar);
  if (known && barWidth >= 10) return forms[0](barWidth);
  for (const form of forms.slice(1)) {
    const text = form(0);
    if (text.length <= max) return text;
  }
  return forms[forms.length - 1](0).slice(0, max);
}

/**
 * A progress line on `options.stream` (stderr), drawn only when `enabled`, the stream is a terminal and
 * `delayMs` have passed; otherwise every method does nothing (interrupt still prints).
 */
export function progressBar(enabled: boolean, label: string, options: ProgressOptions = {}): ProgressHandle {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => Date.now());
  if (!enabled || !stream.isTTY) {
    return { onProgress: () => {}, add: () => {}, setTotal: () => {}, interrupt: (print) => print(), stop: () => {} };
  }
  const started = now();
  const delayMs = options.delayMs ?? PROGRESS_TIMING.delayMs;
  const unit = options.unit ?? 'patients';
  let total = options.total;
  let done = 0;
  // The rate is measured from the first report on, so pool start-up does not make the first ETA too long.
  let first: { t: number; done: number } | undefined;
  let shown = false;
  let lastDraw = -Infinity;
  let stopped = false;
  const draw = (force = false) => {
    const t = now();
    if (stopped || t - started < delayMs || (!force && t - lastDraw < PROGRESS_TIMING.everyMs)) return;
    lastDraw = t;
    shown = true;
    const rate = first && t > first.t && t - first.t >= PROGRESS_TIMING.rateAfterMs ? ((done - first.done) * 1000) / (t - first.t) : undefined;
    stream.write(`\r${formatProgress({ label, done, total, elapsedMs: t - started, unit, rate }, stream.columns ?? 80)}\x1b[K`);
  };
  const clear = () => {
    if (shown) stream.write('\r\x1b[K');
    shown = false;
  };
  // Keeps the elapsed time moving while a long block runs (when the event loop is free).
  const timer = setInterval(() => draw(true), 500);
  timer.unref();
  return {
    onProgress(d, t) {
      done = d;
      total = t;
      first ??= { t: now(), done };
      draw();
    },
    add(n) {
      done += n;
      first ??= { t: now(), done };
      draw();
    },
    setTotal(t, newLabel) {
      total = t;
      if (newLabel !== undefined) label = newLabel;
      draw(true);
    },
    interrupt(print) {
      const was = shown;
      clear();
      print();
      if (was) draw(true);
    },
    stop() {
      clearInterval(timer);
      clear();
      stopped = true;
    },
  };
}
