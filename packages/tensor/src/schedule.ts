import { InvalidOptionError } from '@clicktune/core';

export type LearningRateSchedule =
  | { kind: 'constant' }
  | { kind: 'linear'; finalFactor?: number; warmupSteps?: number }
  | { kind: 'cosine'; finalFactor?: number; warmupSteps?: number }
  | { kind: 'step'; every: number; factor: number };

/**
 * The learning rate at `step` (0-based) of `totalSteps` (ORIGINAL_BUGS T2/T3:
 * the original's schedulers were never stepped; the trainer calls this before
 * every step and sets it on the optimizers).
 */
export function learningRateAt(base: number, schedule: LearningRateSchedule, step: number, totalSteps: number): number {
  switch (schedule.kind) {
    case 'constant':
      return base;
    case 'linear':
    case 'cosine': {
      const warmup = schedule.warmupSteps ?? 0;
      if (step < warmup) return (base * (step + 1)) / warmup;
      const final = schedule.finalFactor ?? 0;
      const progress = Math.min(1, (step - warmup) / Math.max(1, totalSteps - warmup));
      const factor = schedule.kind === 'linear' ? 1 - progress : 0.5 * (1 + Math.cos(Math.PI * progress));
      return base * (final + (1 - final) * factor);
    }
    case 'step':
      if (!(schedule.every >= 1) || !(schedule.factor > 0)) throw new InvalidOptionError('a step schedule needs every ≥ 1 and factor > 0', { location: { field: 'schedule' } });
      return base * schedule.factor ** Math.floor(step / schedule.every);
    default:
      throw new InvalidOptionError(`unknown schedule ${JSON.stringify((schedule as { kind: unknown }).kind)}`, { location: { field: 'schedule' } });
  }
}
