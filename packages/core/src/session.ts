import * as v from 'valibot';
import { type ErrorLocation, InvalidSessionError } from './errors';
import { describeValue, entriesOf, normalizeId } from './ids';
import { embeddingSchema, finiteNumberSchema, idSchema, parseWith } from './schema';

/** What a session searched for: a query id (looked up in a queries file), a text, or a vector. */
export type QueryReference =
  | { readonly kind: 'id'; readonly id: string }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'embedding'; readonly embedding: Float32Array };

type IdKeyed<T> = ReadonlyMap<string | number, T> | Readonly<Record<string, T>> | ReadonlyArray<readonly [string | number, T]>;

/**
 * The fields of a session as a user or a JSONL line gives them. camelCase
 * and EmbeddingStudio's snake_case names are both accepted.
 */
export interface FineTuningInputInit {
  query: string | number | { id: string | number } | { text: string } | { embedding: ArrayLike<number> };
  results: ReadonlyArray<string | number>;
  ranks?: IdKeyed<number | null> | null;
  events?: ReadonlyArray<string | number>;
  eventTypes?: ReadonlyArray<string | number> | null;
  timestamp?: number | string | null;
  partToObject?: IdKeyed<string | number> | null;
  propensities?: IdKeyed<number> | null;
  /** Simulated sessions only: each result's probability of having been examined (for auditing). */
  examination?: IdKeyed<number> | null;
  sessionId?: string | number | null;
  isIrrelevant?: boolean;
}

/** What to do with events that are not among the session's results. */
export type MissingEventsPolicy = 'error' | 'drop';

export interface SessionWarning {
  readonly code: 'events-dropped';
  readonly message: string;
  readonly location: ErrorLocation;
}

export interface SessionValidationOptions {
  /** `error` (default) rejects the session; `drop` keeps it without those events and warns. */
  missingEvents?: MissingEventsPolicy;
  onWarning?: (warning: SessionWarning) => void;
}

const snakeCaseAliases: ReadonlyArray<readonly [string, string]> = [
  ['part_to_object_dict', 'partToObject'],
  ['part_to_object', 'partToObject'],
  ['event_types', 'eventTypes'],
  ['is_irrelevant', 'isIrrelevant'],
  ['session_id', 'sessionId'],
  ['not_events', 'notEvents'],
];

const querySchema = v.union(
  [idSchema, v.strictObject({ id: idSchema }), v.strictObject({ text: v.string() }), v.strictObject({ embedding: embeddingSchema })],
  'must be an id, { "id": … }, { "text": … } or { "embedding": [numbers] }',
);

const sessionSchema = v.object({
  query: querySchema,
  results: v.array(idSchema, 'must be an array of ids'),
  ranks: v.nullish(v.unknown()),
  events: v.optional(v.array(idSchema, 'must be an array of ids'), []),
  eventTypes: v.nullish(v.array(v.union([v.string(), finiteNumberSchema]), 'must be an array of strings or numbers')),
  timestamp: v.nullish(v.union([finiteNumberSchema, v.string()], 'must be a number or a date string')),
  partToObject: v.nullish(v.unknown()),
  propensities: v.nullish(v.unknown()),
  examination: v.nullish(v.unknown()),
  sessionId: v.nullish(idSchema),
  isIrrelevant: v.optional(v.boolean('must be true or false')),
  notEvents: v.optional(v.array(idSchema, 'must be an array of ids')),
});

function invalid(reason: string, field: string): InvalidSessionError {
  return new InvalidSessionError(reason, { location: { field } });
}

/** Renames snake_case keys; a key given in both spellings is an error. */
function canonicalKeys(raw: Record<string, unknown>): Record<string, unknown> {
  const canonical: Record<string, unknown> = Object.create(null);
  for (const [key, value] of Object.entries(raw)) canonical[key] = value;
  for (const [snake, camel] of snakeCaseAliases) {
    if (!Object.hasOwn(canonical, snake)) continue;
    if (Object.hasOwn(canonical, camel)) throw invalid(`given twice, as ${snake} and ${camel}`, camel);
    canonical[camel] = canonical[snake];
    delete canonical[snake];
  }
  return canonical;
}

function toQuery(value: v.InferOutput<typeof querySchema>): QueryReference {
  if (typeof value === 'string' || typeof value === 'number') return { kind: 'id', id: normalizeId(value, 'query') };
  if ('id' in value) return { kind: 'id', id: normalizeId(value.id, 'query.id') };
  if ('text' in value) return { kind: 'text', text: value.text };
  return { kind: 'embedding', embedding: Float32Array.from(value.embedding) };
}

/**
 * One search session (DESIGN.md "Domain"): the query, the results in the
 * order they were shown, the search engine's score of each, and the clicked
 * results. Immutable and validated on construction.
 */
export class FineTuningInput {
  readonly query: QueryReference;
  /** Result ids in display order. */
  readonly results: readonly string[];
  /** The search engine's score per result id, or null when the log has none. */
  readonly ranks: ReadonlyMap<string, number> | null;
  /** Clicked result ids, unique, in the order first clicked. */
  readonly events: readonly string[];
  /** Events the log named that were not among the results (dropped under `missingEvents: 'drop'`). */
  readonly droppedEvents: readonly string[];
  readonly eventTypes: readonly (string | number)[] | null;
  readonly timestamp: number | null;
  /** Result id → object id, for items split into parts. */
  readonly partToObject: ReadonlyMap<string, string> | null;
  /** Result id → probability that the logging policy showed it where it was shown. */
  readonly propensities: ReadonlyMap<string, number> | null;
  /** Result id → probability that the user examined it (known for simulated sessions). */
  readonly examination: ReadonlyMap<string, number> | null;
  readonly sessionId: string | null;

  private readonly eventSet: ReadonlySet<string>;

  private constructor(fields: {
    query: QueryReference;
    results: string[];
    ranks: Map<string, number> | null;
    events: string[];
    droppedEvents: string[];
    eventTypes: (string | number)[] | null;
    timestamp: number | null;
    partToObject: Map<string, string> | null;
    propensities: Map<string, number> | null;
    examination: Map<string, number> | null;
    sessionId: string | null;
  }) {
    this.query = fields.query;
    this.results = Object.freeze(fields.results);
    this.ranks = fields.ranks;
    this.events = Object.freeze(fields.events);
    this.droppedEvents = Object.freeze(fields.droppedEvents);
    this.eventTypes = fields.eventTypes ? Object.freeze(fields.eventTypes) : null;
    this.timestamp = fields.timestamp;
    this.partToObject = fields.partToObject;
    this.propensities = fields.propensities;
    this.examination = fields.examination;
    this.sessionId = fields.sessionId;
    this.eventSet = new Set(fields.events);
  }

  /**
   * Validates and normalises a session. Throws InvalidSessionError naming the
   * field: empty or duplicated results, ranks that do not cover exactly the
   * results, non-finite ranks, events that are not results (unless dropped),
   * eventTypes of another length than events, propensities outside (0, 1].
   */
  static create(init: FineTuningInputInit | Record<string, unknown>, options: SessionValidationOptions = {}): FineTuningInput {
    if (typeof init !== 'object' || init === null || Array.isArray(init)) {
      throw new InvalidSessionError(`a session must be a JSON object, got ${describeValue(init)}`);
    }
    const parsed = parseWith(sessionSchema, canonicalKeys(init as Record<string, unknown>));

    const results = parsed.results.map((id, index) => normalizeId(id, `results[${index}]`));
    if (results.length === 0) throw invalid('must not be empty: a session shows at least one result', 'results');
    const resultIndex = new Map<string, number>();
    results.forEach((id, index) => {
      const first = resultIndex.get(id);
      if (first !== undefined) throw invalid(`duplicate result id ${JSON.stringify(id)} (also at results[${first}])`, `results[${index}]`);
      resultIndex.set(id, index);
    });

    const ranks = readRanks(parsed.ranks, resultIndex);

    const events: string[] = [];
    const droppedEvents: string[] = [];
    const seenEvents = new Set<string>();
    parsed.events.forEach((raw, index) => {
      const id = normalizeId(raw, `events[${index}]`);
      if (seenEvents.has(id)) return;
      seenEvents.add(id);
      if (resultIndex.has(id)) events.push(id);
      else if (options.missingEvents === 'drop') droppedEvents.push(id);
      else throw invalid(`event ${JSON.stringify(id)} is not among the results`, `events[${index}]`);
    });
    if (droppedEvents.length > 0) {
      options.onWarning?.({
        code: 'events-dropped',
        message: `dropped ${droppedEvents.length} event(s) not among the results: ${droppedEvents.map((id) => JSON.stringify(id)).join(', ')}`,
        location: { field: 'events' },
      });
    }

    const eventTypes = parsed.eventTypes ?? null;
    if (eventTypes && eventTypes.length !== parsed.events.length) {
      throw invalid(`has ${eventTypes.length} entries but events has ${parsed.events.length}`, 'eventTypes');
    }
    if (parsed.isIrrelevant === true && parsed.events.length > 0) {
      throw invalid('is true but the session has events', 'isIrrelevant');
    }
    if (parsed.notEvents) {
      parsed.notEvents.forEach((raw, index) => {
        const id = normalizeId(raw, `notEvents[${index}]`);
        if (!resultIndex.has(id)) throw invalid(`${JSON.stringify(id)} is not among the results`, `notEvents[${index}]`);
        if (seenEvents.has(id)) throw invalid(`${JSON.stringify(id)} is also an event`, `notEvents[${index}]`);
      });
    }

    let partToObject: Map<string, string> | null = null;
    if (parsed.partToObject != null) {
      partToObject = new Map();
      for (const [part, object] of entriesOf(parsed.partToObject, 'partToObject')) {
        partToObject.set(part, normalizeId(object, `partToObject.${part}`));
      }
    }

    const propensities = readProbabilities(parsed.propensities, 'propensities', resultIndex, false);
    const examination = readProbabilities(parsed.examination, 'examination', resultIndex, true);

    return new FineTuningInput({
      query: toQuery(parsed.query),
      results,
      ranks,
      events,
      droppedEvents,
      eventTypes: eventTypes ? [...eventTypes] : null,
      timestamp: readTimestamp(parsed.timestamp),
      partToObject,
      propensities,
      examination,
      sessionId: parsed.sessionId == null ? null : normalizeId(parsed.sessionId, 'sessionId'),
    });
  }

  /** Results that were not clicked, in display order. */
  get notEvents(): string[] {
    return this.results.filter((id) => !this.eventSet.has(id));
  }

  /** A session with no events is irrelevant (a session whose events were all dropped is not: its clicks are lost). */
  get isIrrelevant(): boolean {
    return this.events.length === 0 && this.droppedEvents.length === 0;
  }

  isEvent(resultId: string): boolean {
    return this.eventSet.has(resultId);
  }

  /** The object a result belongs to (`partToObject[id] ?? id`). */
  objectOf(resultId: string): string {
    return this.partToObject?.get(resultId) ?? resultId;
  }

  /** A plain JSON form (camelCase), as the JSONL writer writes it. */
  toJSON(): Record<string, unknown> {
    const query = this.query.kind === 'id' ? this.query.id : this.query.kind === 'text' ? { text: this.query.text } : { embedding: Array.from(this.query.embedding) };
    const json: Record<string, unknown> = { query, results: [...this.results] };
    json.ranks = this.ranks ? mapToObject(this.ranks) : null;
    json.events = [...this.events];
    if (this.eventTypes) json.eventTypes = [...this.eventTypes];
    if (this.timestamp !== null) json.timestamp = this.timestamp;
    if (this.partToObject) json.partToObject = mapToObject(this.partToObject);
    if (this.propensities) json.propensities = mapToObject(this.propensities);
    if (this.examination) json.examination = mapToObject(this.examination);
    if (this.sessionId !== null) json.sessionId = this.sessionId;
    return json;
  }
}

/** A Map as a JSON object; `__proto__` and friends become own properties. */
export function mapToObject<T>(map: ReadonlyMap<string, T>): Record<string, T> {
  const object: Record<string, T> = {};
  for (const [key, value] of map) Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  return object;
}

function readRanks(raw: unknown, resultIndex: ReadonlyMap<string, number>): Map<string, number> | null {
  if (raw == null) return null;
  const entries = entriesOf(raw, 'ranks');
  let nullCount = 0;
  const ranks = new Map<string, number>();
  for (const [id, value] of entries) {
    const field = `ranks.${id}`;
    if (!resultIndex.has(id)) throw invalid(`${JSON.stringify(id)} has a rank but is not among the results`, field);
    if (value === null) {
      nullCount += 1;
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw invalid(`must be a finite number, got ${describeValue(value)}`, field);
    }
    ranks.set(id, value);
  }
  if (nullCount === entries.length) return null;
  if (nullCount > 0) throw invalid('some ranks are null and some are not: give all or none', 'ranks');
  for (const id of resultIndex.keys()) {
    if (!ranks.has(id)) throw invalid(`result ${JSON.stringify(id)} has no rank`, 'ranks');
  }
  return ranks;
}

/** An id-keyed map of probabilities over the results: (0, 1], or [0, 1] when zero is allowed. */
function readProbabilities(raw: unknown, name: string, resultIndex: ReadonlyMap<string, number>, allowZero: boolean): Map<string, number> | null {
  if (raw == null) return null;
  const probabilities = new Map<string, number>();
  for (const [id, value] of entriesOf(raw, name)) {
    const field = `${name}.${id}`;
    if (!resultIndex.has(id)) throw invalid(`${JSON.stringify(id)} is not among the results`, field);
    const valid = typeof value === 'number' && (allowZero ? value >= 0 : value > 0) && value <= 1;
    if (!valid) throw invalid(`must be a probability in ${allowZero ? '[0, 1]' : '(0, 1]'}, got ${describeValue(value)}`, field);
    probabilities.set(id, value as number);
  }
  return probabilities;
}

function readTimestamp(raw: number | string | null | undefined): number | null {
  if (raw == null) return null;
  if (typeof raw === 'number') return raw;
  const milliseconds = Date.parse(raw);
  if (Number.isNaN(milliseconds)) throw invalid(`${JSON.stringify(raw)} is not a date`, 'timestamp');
  return milliseconds / 1000;
}
