import { processIo } from './output/io.js';
import { runCli } from './run-cli.js';

// A reader that stops early (`strongbox logs | head`) closes the pipe. Nobody is left to read the
// rest, so end quietly, as shell tools do, rather than crash on the next write.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
});

process.exitCode = await runCli(process.argv, processIo());
