#!/usr/bin/env node
import { ClickTuneError } from '@clicktune/core';
import { Command, CommanderError } from 'commander';
import { registerCommands, registerExperiment } from './commands/commands';
import { EXIT_CODES, exitCodeOf } from './exit-codes';

const program = new Command()
  .name('clicktune')
  .description('Turn search clickstream into fine-tuning signal for embedding models.')
  .showHelpAfterError()
  .exitOverride();
registerCommands(program);
registerExperiment(program);
program.commands.forEach((command) => command.exitOverride());

program.parseAsync().catch((error: unknown) => {
  if (error instanceof CommanderError) {
    process.exit(error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage);
  }
  if (ClickTuneError.isInstance(error)) {
    process.stderr.write(`clicktune: ${error.message}\n`);
    process.exit(exitCodeOf(error));
  }
  process.stderr.write(`clicktune: unexpected error (a bug — please report it):\n${(error as Error).stack ?? String(error)}\n`);
  process.exit(EXIT_CODES.unexpected);
});
