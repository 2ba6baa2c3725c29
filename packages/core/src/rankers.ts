import { InvalidOptionError } from './errors';

export type RankerKind = 'cosine' | 'dot' | 'negativeEuclidean' | 'euclidean';

/** How a query vector and a part vector become a rank (DESIGN.md step 5). */
export interface Ranker {
  readonly kind: RankerKind;
  /** Similarities (higher is better, target +1) or distances (lower is better, target −1). */
  readonly isSimilarity: boolean;
  /** The rank of `a[aOffset…+dimension]` against `b[bOffset…+dimension]`. */
  rank(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, dimension: number): number;
}

/** Cosine similarity's eps, as torch's `cosine_similarity`: dot / max(‖a‖·‖b‖, eps). */
export const COSINE_EPS = 1e-6;

export function resolveRanker(option: RankerKind | Ranker = 'cosine'): Ranker {
  if (typeof option === 'object') return option;
  switch (option) {
    case 'cosine':
      return {
        kind: 'cosine',
        isSimilarity: true,
        rank(a, aOffset, b, bOffset, dimension) {
          let dot = 0;
          let aNorm = 0;
          let bNorm = 0;
          for (let index = 0; index < dimension; index += 1) {
            const x = a[aOffset + index] as number;
            const y = b[bOffset + index] as number;
            dot += x * y;
            aNorm += x * x;
            bNorm += y * y;
          }
          return dot / Math.max(Math.sqrt(aNorm) * Math.sqrt(bNorm), COSINE_EPS);
        },
      };
    case 'dot':
      return {
        kind: 'dot',
        isSimilarity: true,
        rank(a, aOffset, b, bOffset, dimension) {
          let dot = 0;
          for (let index = 0; index < dimension; index += 1) dot += (a[aOffset + index] as number) * (b[bOffset + index] as number);
          return dot;
        },
      };
    case 'negativeEuclidean':
    case 'euclidean': {
      const sign = option === 'euclidean' ? 1 : -1;
      return {
        kind: option,
        isSimilarity: option === 'negativeEuclidean',
        rank(a, aOffset, b, bOffset, dimension) {
          let sum = 0;
          for (let index = 0; index < dimension; index += 1) {
            const difference = (a[aOffset + index] as number) - (b[bOffset + index] as number);
            sum += difference * difference;
          }
          return sign * Math.sqrt(sum);
        },
      };
    }
    default:
      throw new InvalidOptionError(`unknown ranker ${JSON.stringify(option)}: use "cosine", "dot", "negativeEuclidean" or "euclidean"`, {
        location: { field: 'ranker' },
      });
  }
}
