import { InvalidOptionError } from '@clicktune/core';

/** Default temperature of the soft min/max (DESIGN.md step 5). */
export const DEFAULT_SOFT_BETA = 1e5;

export type RanksAggregatorKind = 'mean' | 'min' | 'max';

/**
 * How an object's rank is made from its parts' ranks. `aggregate` is the
 * plain form (exact mean/min/max); `soft` is the differentiable-ready form
 * the extractors use on model ranks: the mean, or softmax(±β·x)-weighted sums
 * for min/max (CASES C8), computed stably by shifting by the extreme.
 */
export interface RanksAggregator {
  readonly kind: RanksAggregatorKind;
  readonly beta: number;
  aggregate(values: ArrayLike<number>): number;
  soft(values: ArrayLike<number>): number;
}

export interface AggregatorEdgeOptions {
  /** Value for an empty input (EmbeddingStudio's `if_empty_value`); default 0. */
  ifEmptyValue?: number;
  /** Value when every input is 0 (EmbeddingStudio's `if_zeroes_value`); default: the aggregate itself. */
  ifZeroesValue?: number;
}

function checkBeta(beta: number): number {
  if (!(beta > 0) || !Number.isFinite(beta)) throw new InvalidOptionError(`beta must be a finite number > 0, got ${beta}`, { location: { field: 'beta' } });
  return beta;
}

function edgeValue(values: ArrayLike<number>, options: AggregatorEdgeOptions): number | undefined {
  if (values.length === 0) return options.ifEmptyValue ?? 0;
  if (options.ifZeroesValue !== undefined) {
    for (let index = 0; index < values.length; index += 1) if (values[index] !== 0) return undefined;
    return options.ifZeroesValue;
  }
  return undefined;
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let index = 0; index < values.length; index += 1) sum += values[index] as number;
  return sum / values.length;
}

/** softmax(sign·β·x)-weighted sum, shifted by the extreme so exp never overflows. */
export function softExtreme(values: ArrayLike<number>, beta: number, sign: 1 | -1): number {
  let extreme = sign * (values[0] as number);
  for (let index = 1; index < values.length; index += 1) extreme = Math.max(extreme, sign * (values[index] as number));
  let weightSum = 0;
  let weighted = 0;
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index] as number;
    const weight = Math.exp(beta * (sign * value - extreme));
    weightSum += weight;
    weighted += weight * value;
  }
  return weighted / weightSum;
}

export function meanAggregator(options: AggregatorEdgeOptions = {}): RanksAggregator {
  return {
    kind: 'mean',
    beta: DEFAULT_SOFT_BETA,
    aggregate: (values) => edgeValue(values, options) ?? mean(values),
    soft: (values) => edgeValue(values, options) ?? mean(values),
  };
}

function extremeAggregator(kind: 'min' | 'max', options: AggregatorEdgeOptions & { beta?: number }): RanksAggregator {
  const beta = checkBeta(options.beta ?? DEFAULT_SOFT_BETA);
  const sign = kind === 'max' ? 1 : -1;
  return {
    kind,
    beta,
    aggregate: (values) => {
      const edge = edgeValue(values, options);
      if (edge !== undefined) return edge;
      let extreme = values[0] as number;
      for (let index = 1; index < values.length; index += 1) {
        const value = values[index] as number;
        if (sign * value > sign * extreme) extreme = value;
      }
      return extreme;
    },
    soft: (values) => edgeValue(values, options) ?? softExtreme(values, beta, sign),
  };
}

export function maxAggregator(options: AggregatorEdgeOptions & { beta?: number } = {}): RanksAggregator {
  return extremeAggregator('max', options);
}

export function minAggregator(options: AggregatorEdgeOptions & { beta?: number } = {}): RanksAggregator {
  return extremeAggregator('min', options);
}

export type RanksAggregatorOption = RanksAggregatorKind | { kind: RanksAggregatorKind; beta?: number } | RanksAggregator;

/** Resolves `'mean' | 'min' | 'max'` (or `{ kind, beta }`) to an aggregator; unknown names are an error. */
export function resolveRanksAggregator(option: RanksAggregatorOption = 'mean'): RanksAggregator {
  if (typeof option === 'object' && 'aggregate' in option) return option;
  const kind = typeof option === 'string' ? option : option.kind;
  const beta = typeof option === 'string' ? undefined : option.beta;
  if (kind === 'mean') return meanAggregator();
  if (kind === 'max') return maxAggregator({ beta });
  if (kind === 'min') return minAggregator({ beta });
  throw new InvalidOptionError(`unknown ranks aggregator ${JSON.stringify(kind)}: use "mean", "min" or "max"`, { location: { field: 'ranksAggregator' } });
}

export type ClicksAggregatorKind = 'max' | 'sum' | 'mean';

/** Reduces an object's parts' 0/1 clicks; the object is positive when the result is > 0 (DESIGN.md step 2). */
export interface ClicksAggregator {
  readonly kind: ClicksAggregatorKind;
  aggregate(clicks: ArrayLike<number>): number;
}

export function clicksAggregator(kind: ClicksAggregatorKind = 'max', options: AggregatorEdgeOptions = {}): ClicksAggregator {
  const reduce: Record<ClicksAggregatorKind, (clicks: ArrayLike<number>) => number> = {
    max: (clicks) => {
      let result = Number.NEGATIVE_INFINITY;
      for (let index = 0; index < clicks.length; index += 1) result = Math.max(result, clicks[index] as number);
      return result;
    },
    sum: (clicks) => mean(clicks) * clicks.length,
    mean,
  };
  const chosen = reduce[kind];
  if (!chosen) {
    throw new InvalidOptionError(`unknown clicks aggregator ${JSON.stringify(kind)}: use "max", "sum" or "mean"`, {
      location: { field: 'clicksAggregator' },
    });
  }
  return { kind, aggregate: (clicks) => edgeValue(clicks, options) ?? chosen(clicks) };
}

export type ClicksAggregatorOption = ClicksAggregatorKind | ClicksAggregator;

export function resolveClicksAggregator(option: ClicksAggregatorOption = 'max'): ClicksAggregator {
  return typeof option === 'object' ? option : clicksAggregator(option);
}
