// A progress bar on stderr, only on a terminal, only once a run has taken more than a second.
import cliProgress from 'cli-progress';
import type { Progress } from '../engine/pool.js';

export interface ProgressHandle {
  onProgress: Progress;
  stop(): void;
}

/** A progress callback that draws a bar after `delayMs`, or does nothing when disabled. */
export function progressBar(enabled: boolean, label: string, delayMs = 1000): ProgressHandle {
  if (!enabled || !process.stderr.isTTY) return { onProgress: () => {}, stop: () => {} };
  const started = Date.now();
  let bar: cliProgress.SingleBar | null = null;
  return {
    onProgress(done, total) {
      if (!bar) {
        if (Date.now() - started < delayMs) return;
        bar = new cliProgress.SingleBar({
          stream: process.stderr,
          format: `${label} [{bar}] {percentage}% | {value}/{total} patients | eta {eta}s`,
          hideCursor: true,
          clearOnComplete: true,
        }, cliProgress.Presets.shades_classic);
        bar.start(total, done);
      }
      bar.update(done);
    },
    stop() {
      bar?.stop();
    },
  };
}
