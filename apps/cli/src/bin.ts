#!/usr/bin/env node
import { ClickTuneError } from '@clicktune/core';
import { Command, CommanderError } from 'commander';
import { registerCommands, registerExperiment } from './commands/commands';
import { cliMessage, EXIT_CODES, exitCodeOf } from './exit-codes';
import { installSignalHandlers } from './signals';

installSignalHandlers();

const program = new Command()
  .name('clicktune')
  .description('Turn search clickstream into fine-tuning signal for embedding models.')
  // Commander's own errors (unknown option, missing value) in the CLI's one-line form.
  .configureOutput({ outputError: (text, write) => write(`clicktune: ${text.replace(/^error: /, '').trim()} (--help lists the options)\n`) })
  .exitOverride()
  .addHelpText(
    'after',
    `
Exit codes: 0 done; 2 bad flag or option value (an unknown backend name too); 3 invalid input data
(JSON, UTF-8, session, item, judgement, unknown id, dimension); 4 file access (missing, unwritable,
disk full); 5 backend unavailable (or one that runs no tensors, for a command that needs them);
6 not a ClickTune weights or checkpoint file; 130 interrupted (Ctrl-C or SIGTERM); 1 a bug.`,
  );
registerCommands(program);
registerExperiment(program);
program.commands.forEach((command) => command.exitOverride());

program.parseAsync().catch((error: unknown) => {
  if (error instanceof CommanderError) {
    process.exit(error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage);
  }
  if (ClickTuneError.isInstance(error)) {
    process.stderr.write(`clicktune: ${cliMessage(error).replace(/\s*\n\s*/g, ' ')}\n`);
    process.exit(exitCodeOf(error));
  }
  process.stderr.write(`clicktune: unexpected error (a bug — please report it):\n${(error as Error).stack ?? String(error)}\n`);
  process.exit(EXIT_CODES.unexpected);
});
