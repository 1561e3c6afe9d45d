// Entry point of the `jaksim` command.
import { runCli } from './main.js';

// A reader that stops early (`jaksim run ... | head -1`) closes the pipe: stop quietly, as other tools do,
// instead of an unhandled EPIPE error with its stack. Results are written before anything is printed.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

process.exitCode = await runCli(process.argv.slice(2));
