import { removeTemporaryFiles } from '@clicktune/core';
import { EXIT_CODES } from './exit-codes';

let onInterrupt: (() => void) | null = null;

/** Removes what half-done writes left and exits: the end of every path out of a run the user stopped. */
async function quit(code: number): Promise<never> {
  await removeTemporaryFiles();
  process.exit(code);
}

/**
 * Ctrl-C and SIGTERM: during training they stop it after the current step
 * (see `interruptible`); otherwise — and at the second one — the process
 * exits with 130 after removing any half-written output.
 * A closed stdout (`clicktune … --out - | head`) ends the run quietly, as the
 * reader asked; a closed stderr is not worth dying for.
 */
export function installSignalHandlers(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (onInterrupt) onInterrupt();
      else void quit(EXIT_CODES.interrupted);
    });
  }
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    void quit(error.code === 'EPIPE' ? EXIT_CODES.ok : EXIT_CODES.io);
  });
  process.stderr.on('error', () => undefined);
}

/** Until released, a signal aborts this signal instead of exiting; a second one exits at once. */
export function interruptible(announce: () => void): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  onInterrupt = () => {
    if (controller.signal.aborted) return void quit(EXIT_CODES.interrupted);
    announce();
    controller.abort();
  };
  return {
    signal: controller.signal,
    release: () => {
      onInterrupt = null;
    },
  };
}
