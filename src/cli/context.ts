// The CLI's side of a use case's context: the command line to record, the output streams, a progress bar.
import type { AppContext } from '../app/context.js';
import { TABLE_WIDTH, wrapText } from '../io/columns.js';
import type { Io } from './print.js';
import { showPath } from './print.js';
import { progressBar, type ProgressOptions } from './progress.js';

/**
 * A use case's context with the progress bar's stop (call it before printing) and `note`, which prints a
 * line on stderr above the bar. Its `warn` prints warnings that way, wrapped to 100 columns.
 */
export type CommandContext = AppContext & { done: () => void; note: (text: string) => void };

export interface CliContext {
  io: Io;
  /** `jaksim` and the arguments as given: recorded in result files. */
  command: string;
  /** Run `work` with a context whose progress draws a bar labelled `label` (when `enabled` and on a terminal). */
  withProgress<T>(enabled: boolean, label: string, work: (ctx: CommandContext) => Promise<T>, options?: ProgressOptions): Promise<T>;
}

export function cliContext(argv: readonly string[], io: Io): CliContext {
  const command = ['jaksim', ...argv].join(' ');
  return {
    io,
    command,
    async withProgress(enabled, label, work, options) {
      const bar = progressBar(enabled, label, options);
      const note = (text: string) => bar.interrupt(() => io.err(text));
      const warn = (text: string) => note(wrapText(text, TABLE_WIDTH, '  '));
      try {
        return await work({ command, onProgress: bar.onProgress, showPath, done: () => bar.stop(), note, warn });
      } finally {
        bar.stop();
      }
    },
  };
}
