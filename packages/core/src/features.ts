import { InvalidOptionError } from './errors';

export interface FineTuningFeaturesFields {
  positiveRanks: Float32Array;
  negativeRanks: Float32Array;
  positiveConfidences: Float32Array;
  negativeConfidences: Float32Array;
  /** +1 when ranks are similarities, −1 when they are distances. */
  target: Float32Array;
  /** Index (in its batch) of the session each pair came from; −1 when unknown. */
  sessionIndex: Int32Array;
  positiveObjectIds: readonly string[];
  negativeObjectIds: readonly string[];
}

/**
 * Pair-aligned features (DESIGN.md "Domain"): entry i of every field belongs
 * to pair i (ORIGINAL_BUGS E10/E11: in the original they did not line up).
 * Plain typed arrays; the tensor layer has its own tensor-valued twin.
 */
export class FineTuningFeatures implements FineTuningFeaturesFields {
  readonly positiveRanks: Float32Array;
  readonly negativeRanks: Float32Array;
  readonly positiveConfidences: Float32Array;
  readonly negativeConfidences: Float32Array;
  readonly target: Float32Array;
  readonly sessionIndex: Int32Array;
  readonly positiveObjectIds: readonly string[];
  readonly negativeObjectIds: readonly string[];

  constructor(fields: FineTuningFeaturesFields) {
    const length = fields.positiveRanks.length;
    const lengths = {
      negativeRanks: fields.negativeRanks.length,
      positiveConfidences: fields.positiveConfidences.length,
      negativeConfidences: fields.negativeConfidences.length,
      target: fields.target.length,
      sessionIndex: fields.sessionIndex.length,
      positiveObjectIds: fields.positiveObjectIds.length,
      negativeObjectIds: fields.negativeObjectIds.length,
    };
    for (const [name, other] of Object.entries(lengths)) {
      if (other !== length) {
        throw new InvalidOptionError(`features fields must have one entry per pair: positiveRanks has ${length}, ${name} has ${other}`, {
          location: { field: name },
        });
      }
    }
    this.positiveRanks = fields.positiveRanks;
    this.negativeRanks = fields.negativeRanks;
    this.positiveConfidences = fields.positiveConfidences;
    this.negativeConfidences = fields.negativeConfidences;
    this.target = fields.target;
    this.sessionIndex = fields.sessionIndex;
    this.positiveObjectIds = fields.positiveObjectIds;
    this.negativeObjectIds = fields.negativeObjectIds;
  }

  static empty(): FineTuningFeatures {
    return new FineTuningFeatures({
      positiveRanks: new Float32Array(0),
      negativeRanks: new Float32Array(0),
      positiveConfidences: new Float32Array(0),
      negativeConfidences: new Float32Array(0),
      target: new Float32Array(0),
      sessionIndex: new Int32Array(0),
      positiveObjectIds: [],
      negativeObjectIds: [],
    });
  }

  get length(): number {
    return this.positiveRanks.length;
  }

  /** All pairs of every part, in order (ORIGINAL_BUGS E17: never drops a side). */
  static concatenate(parts: readonly FineTuningFeatures[]): FineTuningFeatures {
    const total = parts.reduce((sum, part) => sum + part.length, 0);
    const joinFloat = (pick: (part: FineTuningFeatures) => Float32Array) => {
      const joined = new Float32Array(total);
      let offset = 0;
      for (const part of parts) {
        joined.set(pick(part), offset);
        offset += part.length;
      }
      return joined;
    };
    const sessionIndex = new Int32Array(total);
    let offset = 0;
    for (const part of parts) {
      sessionIndex.set(part.sessionIndex, offset);
      offset += part.length;
    }
    return new FineTuningFeatures({
      positiveRanks: joinFloat((part) => part.positiveRanks),
      negativeRanks: joinFloat((part) => part.negativeRanks),
      positiveConfidences: joinFloat((part) => part.positiveConfidences),
      negativeConfidences: joinFloat((part) => part.negativeConfidences),
      target: joinFloat((part) => part.target),
      sessionIndex,
      positiveObjectIds: parts.flatMap((part) => part.positiveObjectIds),
      negativeObjectIds: parts.flatMap((part) => part.negativeObjectIds),
    });
  }

  concat(other: FineTuningFeatures): FineTuningFeatures {
    return FineTuningFeatures.concatenate([this, other]);
  }

  /** The pairs at `indices`, in that order. */
  select(indices: ArrayLike<number>): FineTuningFeatures {
    const pickFloat = (source: Float32Array) => Float32Array.from(indices, (index) => source[index] as number);
    return new FineTuningFeatures({
      positiveRanks: pickFloat(this.positiveRanks),
      negativeRanks: pickFloat(this.negativeRanks),
      positiveConfidences: pickFloat(this.positiveConfidences),
      negativeConfidences: pickFloat(this.negativeConfidences),
      target: pickFloat(this.target),
      sessionIndex: Int32Array.from(indices, (index) => this.sessionIndex[index] as number),
      positiveObjectIds: Array.from(indices, (index) => this.positiveObjectIds[index] as string),
      negativeObjectIds: Array.from(indices, (index) => this.negativeObjectIds[index] as string),
    });
  }

  /**
   * DESIGN.md step 7: keeps pairs with `min < |pos − neg| < max`, strictly
   * on both sides (CASES C9).
   */
  filterByDifference(minAbsDifference: number, maxAbsDifference: number): FineTuningFeatures {
    validateDifferenceBounds(minAbsDifference, maxAbsDifference);
    const kept: number[] = [];
    for (let index = 0; index < this.length; index += 1) {
      const difference = Math.abs((this.positiveRanks[index] as number) - (this.negativeRanks[index] as number));
      if (difference > minAbsDifference && difference < maxAbsDifference) kept.push(index);
    }
    return kept.length === this.length ? this : this.select(kept);
  }

  /**
   * DESIGN.md step 8: for an irrelevant session's (negatives-only) features,
   * borrows the positive ranks *and positive confidences* of `relevant`
   * (ORIGINAL_BUGS E16), truncating both sides to L = min of their lengths.
   */
  usePositiveFrom(relevant: FineTuningFeatures): FineTuningFeatures {
    const length = Math.min(this.length, relevant.length);
    return new FineTuningFeatures({
      positiveRanks: relevant.positiveRanks.slice(0, length),
      negativeRanks: this.negativeRanks.slice(0, length),
      positiveConfidences: relevant.positiveConfidences.slice(0, length),
      negativeConfidences: this.negativeConfidences.slice(0, length),
      target: this.target.slice(0, length),
      sessionIndex: this.sessionIndex.slice(0, length),
      positiveObjectIds: relevant.positiveObjectIds.slice(0, length),
      negativeObjectIds: this.negativeObjectIds.slice(0, length),
    });
  }

  /** Plain JSON rows, one per pair (for JSONL output and debugging). */
  toRows(): Array<Record<string, number | string>> {
    return Array.from({ length: this.length }, (_, index) => ({
      session: this.sessionIndex[index] as number,
      positive: this.positiveObjectIds[index] as string,
      negative: this.negativeObjectIds[index] as string,
      positiveRank: this.positiveRanks[index] as number,
      negativeRank: this.negativeRanks[index] as number,
      positiveConfidence: this.positiveConfidences[index] as number,
      negativeConfidence: this.negativeConfidences[index] as number,
      target: this.target[index] as number,
    }));
  }
}

/** `0 ≤ min < max` (DESIGN.md step 7); NaN is rejected. */
export function validateDifferenceBounds(minAbsDifference: number, maxAbsDifference: number): void {
  if (!(minAbsDifference >= 0)) {
    throw new InvalidOptionError(`minAbsDifference must be ≥ 0, got ${minAbsDifference}`, { location: { field: 'minAbsDifference' } });
  }
  if (!(maxAbsDifference > minAbsDifference)) {
    throw new InvalidOptionError(`maxAbsDifference must be greater than minAbsDifference (${minAbsDifference}), got ${maxAbsDifference}`, {
      location: { field: 'maxAbsDifference' },
    });
  }
}

/** Steepness of the small-difference weights: trunc(100 / margin), as the original. */
export function smallDifferenceSteepness(margin: number): number {
  return Math.trunc(100 / margin);
}
