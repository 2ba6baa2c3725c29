import { DEFAULT_EXAMINATION_PROPENSITIES, examinationAt, InvalidOptionError, type SeededRandom, validatePropensities } from '@clicktune/core';

export interface AttractivenessOptions {
  /** Highest relevance grade (default 1). */
  maxGrade?: number;
  /** Click probability of an examined non-relevant result (default 0.1). */
  epsilonMinus?: number;
  /** Click probability of an examined result of the highest grade (default 1). */
  epsilonPlus?: number;
}

/** ULTRA's attractiveness: P(A | y) = ε⁻ + (ε⁺ − ε⁻)(2^y − 1)/(2^ymax − 1). */
export function attractiveness(grade: number, options: AttractivenessOptions = {}): number {
  const maxGrade = options.maxGrade ?? 1;
  const low = options.epsilonMinus ?? 0.1;
  const high = options.epsilonPlus ?? 1;
  const clipped = Math.max(0, Math.min(maxGrade, grade));
  return low + ((high - low) * (2 ** clipped - 1)) / (2 ** maxGrade - 1);
}

function checkAttractiveness(options: AttractivenessOptions): void {
  const maxGrade = options.maxGrade ?? 1;
  const low = options.epsilonMinus ?? 0.1;
  const high = options.epsilonPlus ?? 1;
  if (!(maxGrade > 0)) throw new InvalidOptionError(`maxGrade must be > 0, got ${maxGrade}`, { location: { field: 'maxGrade' } });
  if (!(low >= 0 && low <= high && high <= 1)) {
    throw new InvalidOptionError(`need 0 ≤ epsilonMinus ≤ epsilonPlus ≤ 1, got ${low} and ${high}`, { location: { field: 'epsilonMinus' } });
  }
}

/** What one simulated user did with one list. */
export interface ClickOutcome {
  readonly clicks: boolean[];
  /** Marginal probability that each position was examined under the model (for auditing propensity estimates). */
  readonly examination: number[];
}

/** A click model: relevance grades of a shown list (top first) → clicks. */
export interface ClickModel {
  readonly name: string;
  click(grades: readonly number[], random: SeededRandom): ClickOutcome;
}

/**
 * Position-based model (Richardson et al., 2007): position k is examined
 * with probability θ_k^η, independently of everything else, and an examined
 * result is clicked with its attractiveness.
 */
export function positionBasedModel(options: AttractivenessOptions & { examination?: readonly number[]; eta?: number } = {}): ClickModel {
  checkAttractiveness(options);
  const theta = validatePropensities(options.examination ?? DEFAULT_EXAMINATION_PROPENSITIES, 'examination');
  const eta = options.eta ?? 1;
  if (!(eta >= 0)) throw new InvalidOptionError(`eta must be ≥ 0, got ${eta}`, { location: { field: 'eta' } });
  return {
    name: 'pbm',
    click(grades, random) {
      const examination = grades.map((_, position) => examinationAt(theta, position) ** eta);
      const clicks = grades.map((grade, position) => random.nextFloat() < (examination[position] as number) && random.nextFloat() < attractiveness(grade, options));
      return { clicks, examination };
    },
  };
}

/**
 * Cascade model (Craswell et al., 2008): the user scans from the top,
 * clicks an examined result with its attractiveness, and stops at the first click.
 */
export function cascadeModel(options: AttractivenessOptions = {}): ClickModel {
  checkAttractiveness(options);
  return {
    name: 'cascade',
    click(grades, random) {
      const clicks = grades.map(() => false);
      const examination: number[] = [];
      let reach = 1;
      let stopped = false;
      grades.forEach((grade, position) => {
        const attraction = attractiveness(grade, options);
        examination.push(reach);
        reach *= 1 - attraction;
        if (stopped) return;
        if (random.nextFloat() < attraction) {
          clicks[position] = true;
          stopped = true;
        }
      });
      return { clicks, examination };
    },
  };
}

/**
 * Dynamic Bayesian network model (Chapelle & Zhang, 2009): scanning from
 * the top, an examined result is clicked with its attractiveness; after a
 * click the user is satisfied with probability σ(y) = (2^y − 1)/2^ymax and
 * stops; otherwise goes on with probability γ (default 0.9).
 */
export function dynamicBayesianNetworkModel(options: AttractivenessOptions & { gamma?: number } = {}): ClickModel {
  checkAttractiveness(options);
  const gamma = options.gamma ?? 0.9;
  const maxGrade = options.maxGrade ?? 1;
  if (!(gamma >= 0 && gamma <= 1)) throw new InvalidOptionError(`gamma must be in [0, 1], got ${gamma}`, { location: { field: 'gamma' } });
  const satisfaction = (grade: number) => (2 ** Math.max(0, Math.min(maxGrade, grade)) - 1) / 2 ** maxGrade;
  return {
    name: 'dbn',
    click(grades, random) {
      const clicks = grades.map(() => false);
      const examination: number[] = [];
      let reach = 1;
      let examining = true;
      grades.forEach((grade, position) => {
        const attraction = attractiveness(grade, options);
        const satisfied = satisfaction(grade);
        examination.push(reach);
        reach *= gamma * (1 - attraction * satisfied);
        if (!examining) return;
        if (random.nextFloat() < attraction) {
          clicks[position] = true;
          if (random.nextFloat() < satisfied) {
            examining = false;
            return;
          }
        }
        examining = random.nextFloat() < gamma;
      });
      return { clicks, examination };
    },
  };
}

export type ClickModelName = 'pbm' | 'cascade' | 'dbn';

export function resolveClickModel(name: ClickModelName | ClickModel = 'pbm', options: AttractivenessOptions & { eta?: number; gamma?: number } = {}): ClickModel {
  if (typeof name === 'object') return name;
  if (name === 'pbm') return positionBasedModel(options);
  if (name === 'cascade') return cascadeModel(options);
  if (name === 'dbn') return dynamicBayesianNetworkModel(options);
  throw new InvalidOptionError(`unknown click model ${JSON.stringify(name)}: use "pbm", "cascade" or "dbn"`, { location: { field: 'clickModel' } });
}
