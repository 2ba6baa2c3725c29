import * as v from 'valibot';
import { type ErrorLocation, InvalidSessionError } from './errors';

/** Valibot issue → the dotted/bracketed field path of its first problem. */
export function issueField(issue: v.BaseIssue<unknown>, prefix = ''): string {
  let field = prefix;
  for (const item of issue.path ?? []) {
    const key = (item as { key?: unknown }).key;
    if (typeof key === 'number') field += `[${key}]`;
    else field += field === '' ? String(key) : `.${String(key)}`;
  }
  return field;
}

/**
 * Parses with a valibot schema and turns the first issue into a ClickTune
 * error that names the field.
 */
export function parseWith<TSchema extends v.GenericSchema>(
  schema: TSchema,
  value: unknown,
  options: {
    prefix?: string;
    location?: ErrorLocation;
    makeError?: (reason: string, location: ErrorLocation) => Error;
  } = {},
): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const field = issueField(issue, options.prefix ?? '');
  const location = { ...options.location, field: field === '' ? options.location?.field : field };
  const makeError = options.makeError ?? ((reason: string, where: ErrorLocation) => new InvalidSessionError(reason, { location: where }));
  throw makeError(issue.message, location);
}

const finiteNumber = v.pipe(v.number('must be a number'), v.finite('must be a finite number (not NaN or ±Infinity)'));

export const idSchema = v.union([v.pipe(v.string(), v.minLength(1, 'must not be empty')), finiteNumber], 'must be a string or a finite number');

export const embeddingSchema = v.pipe(v.array(finiteNumber, 'must be an array of finite numbers'), v.minLength(1, 'must not be empty'));

export const finiteNumberSchema = finiteNumber;
