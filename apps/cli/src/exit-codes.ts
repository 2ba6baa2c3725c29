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
