import { InvalidOptionError } from './errors';

/**
 * Examination propensities θ_k of a position-based click model for ranks
 * 1–10 (the last value is used beyond), as in ULTRA's simulations
 * (Ai et al., 2021) after Joachims et al. (2017). The one table: the
 * simulator clicks with it, the position-bias confidences weight by it and
 * the click judgements fix the EM's scale with its first value.
 */
export const DEFAULT_EXAMINATION_PROPENSITIES: readonly number[] = Object.freeze([0.68, 0.61, 0.48, 0.34, 0.28, 0.2, 0.11, 0.1, 0.08, 0.06]);

/** θ of a 0-based position: positions beyond the table use its last value. */
export function examinationAt(propensities: ArrayLike<number>, position: number): number {
  return propensities[Math.min(position, propensities.length - 1)] as number;
}

/** Checks a propensity table (non-empty, each in (0, 1]) and copies it. */
export function validatePropensities(propensities: ArrayLike<number>, field = 'propensities'): Float64Array {
  if (propensities.length === 0) throw new InvalidOptionError('needs at least one propensity', { location: { field } });
  const checked = Float64Array.from(propensities);
  checked.forEach((value, index) => {
    if (!(value > 0 && value <= 1)) throw new InvalidOptionError(`must be in (0, 1], got ${value}`, { location: { field: `${field}[${index}]` } });
  });
  return checked;
}
