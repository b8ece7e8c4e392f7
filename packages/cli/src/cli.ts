#!/usr/bin/env node
import { main } from './program.js';

// A reader that closes the pipe early (`webtune run … | head`) is not an error of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const controller = new AbortController();
const force = new AbortController();
// Ctrl-C or a polite kill stops the run: running trials are aborted, the journal's lock released.
// A second one ends the trials still running (failed), and the outputs are written; a third one
// meets the default handler and ends the process at once.
const onSignal = (signal: NodeJS.Signals) => {
  if (!controller.signal.aborted) {
    controller.abort(new Error(signal === 'SIGINT' ? 'interrupted' : 'terminated'));
    return;
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  force.abort(new Error(signal === 'SIGINT' ? 'a second Ctrl-C' : 'a second SIGTERM'));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  signal: controller.signal,
  force: force.signal,
});
// Objectives abandoned on a second signal may still hold the event loop: the run is over.
if (force.signal.aborted) process.exit(code);
process.exitCode = code;
