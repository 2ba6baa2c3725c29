import { ClickTuneError, type ClickTuneErrorCode } from '@clicktune/core';

/**
 * The CLI's documented exit codes. A user mistake prints one line
 * (`clicktune: file:line: field: reason`) and exits with one of these; only
 * a bug prints a stack trace (exit 1).
 */
export const EXIT_CODES = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  invalidInput: 3,
  io: 4,
  backendUnavailable: 5,
  invalidWeights: 6,
  interrupted: 130,
} as const;

const byCode: Record<ClickTuneErrorCode, number> = {
  'invalid-option': EXIT_CODES.usage,
  'invalid-json': EXIT_CODES.invalidInput,
  'invalid-session': EXIT_CODES.invalidInput,
  'invalid-item': EXIT_CODES.invalidInput,
  'invalid-relevance': EXIT_CODES.invalidInput,
  'missing-items': EXIT_CODES.invalidInput,
  'dimension-mismatch': EXIT_CODES.invalidInput,
  'empty-input': EXIT_CODES.invalidInput,
  'io-error': EXIT_CODES.io,
  'backend-unavailable': EXIT_CODES.backendUnavailable,
  'invalid-weights': EXIT_CODES.invalidWeights,
};

export function exitCodeOf(error: unknown): number {
  return ClickTuneError.isInstance(error) ? (byCode[error.code] ?? EXIT_CODES.unexpected) : EXIT_CODES.unexpected;
}

/** A usage error (bad flag value) as a ClickTune error, so it prints as one line with exit 2. */
export function usageError(reason: string, flag: string): ClickTuneError {
  return new ClickTuneError('invalid-option', reason, { location: { field: flag } });
}

/** Library option names whose CLI flag is not simply their kebab-case. */
const FLAG_OF_FIELD: Record<string, string> = {
  negativeDownsamplingFactor: '--factor',
  minAbsDifference: '--min-difference',
  maxAbsDifference: '--max-difference',
  confidenceCalculator: '--confidence',
};

/**
 * The one line the CLI prints for a ClickTune error: data errors as the
 * library words them (file:line: field: reason); option errors under the
 * flag the user typed (`--learning-rate: …`, not `learningRate: …`), once.
 */
export function cliMessage(error: ClickTuneError): string {
  const { file, line, field } = error.location;
  if (file !== undefined || line !== undefined || field === undefined) return error.message;
  const flag = field.startsWith('--')
    ? field
    : (FLAG_OF_FIELD[field] ?? (/^[a-z][a-zA-Z]*$/.test(field) ? `--${field.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}` : undefined));
  if (flag === undefined) return error.message;
  if (error.reason.startsWith(flag)) return error.reason;
  // "learningRate must be …" reads as "--learning-rate must be …".
  if (error.reason.startsWith(`${field} must `)) return `${flag}${error.reason.slice(field.length)}`;
  return `${flag}: ${error.reason}`;
}
