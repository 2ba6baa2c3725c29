/**
 * The bad-input corpus: what a careful user can get wrong (or a hostile one
 * can try), run against the real binary by `bad-input.test.ts`. Each case
 * writes its own files into a fresh folder, runs one command, and states the
 * exit code and the one-line message (with its file:line:field or flag) it
 * must get; the runner also checks that nothing is left at the output path
 * and no temporary file is left in the folder. Large inputs are generated.
 */

/** A valid little task: 12 items and 4 queries in 3 dimensions, judgements, and sessions over them. */
export function baseFiles(): Record<string, string> {
  const vector = (index: number) => [Math.cos(index), Math.sin(index), ((index % 3) - 1) / 2];
  const items = Array.from({ length: 12 }, (_, index) => JSON.stringify({ id: `i${index}`, embedding: vector(index) })).join('\n');
  const queries = Array.from({ length: 4 }, (_, index) => JSON.stringify({ id: `q${index}`, embedding: vector(index * 3 + 1) })).join('\n');
  const qrels = Array.from({ length: 4 }, (_, query) => `q${query} 0 i${query * 3} 1`).join('\n');
  const sessions = Array.from({ length: 40 }, (_, index) => {
    const query = index % 4;
    const results = [0, 1, 2, 3, 4, 5].map((offset) => `i${(query * 3 + offset) % 12}`);
    return JSON.stringify({ query: `q${query}`, results, events: [results[index % 3]], ranks: Object.fromEntries(results.map((id, rank) => [id, 6 - rank])) });
  }).join('\n');
  return { 'items.jsonl': `${items}\n`, 'queries.jsonl': `${queries}\n`, 'qrels.txt': `${qrels}\n`, 'sessions.jsonl': `${sessions}\n` };
}

export type CaseClass = 'crash' | 'hang' | 'garbage' | 'valid input' | 'location' | 'left behind' | 'flags';

export interface BadInputCase {
  readonly name: string;
  readonly class: CaseClass;
  /** Files beside the base files (a name in both replaces the base one). */
  readonly files?: Record<string, string | Uint8Array>;
  /** Arguments; file names are relative to the case's folder (the runner runs there). */
  readonly args: readonly string[];
  readonly stdin?: string;
  readonly code: number;
  /** What the last line of stderr says (for code 0: a line stderr must contain). */
  readonly message?: RegExp;
  /** The output the command must not leave (code ≠ 0) or must write (code 0). Default: `out`. */
  readonly output?: string;
  /** The error comes before any work: stderr is exactly one line. Default true for code ≠ 0. */
  readonly upFront?: boolean;
}

const data = ['--items', 'items.jsonl', '--queries', 'queries.jsonl'];
const judged = [...data, '--qrels', 'qrels.txt'];
const good = JSON.stringify({ query: 'q0', results: ['i0', 'i1', 'i2'], events: ['i0'], ranks: { i0: 3, i1: 2, i2: 1 } });
const train = (...more: string[]) => ['train', ...data, '--sessions', 'sessions.jsonl', '--out', 'out', ...more];
const extract = (...more: string[]) => ['extract', ...data, '--sessions', 'sessions.jsonl', '--out', 'out', ...more];
const evaluate = (...more: string[]) => ['evaluate', ...judged, ...more];
const simulate = (...more: string[]) => ['simulate', ...judged, '--out', 'out', ...more];

/** The base sessions as a warehouse keeps them: one row per impression, its own column names, 1-based ranks. */
function impressionsCsv(): string {
  const rows = ['term,product,rank,hit'];
  for (const line of baseFiles()['sessions.jsonl'].trim().split('\n')) {
    const session = JSON.parse(line) as { query: string; results: string[]; events: string[] };
    session.results.forEach((item, position) => rows.push(`${session.query},${item},${position + 1},${session.events.includes(item) ? 'true' : 'false'}`));
  }
  return `${rows.join('\n')}\n`;
}

/** A safetensors file from a header object and float data. */
export function safetensors(header: unknown, data: Float32Array = new Float32Array(0)): Uint8Array {
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, Buffer.from(data.buffer)]);
}

const adapterMetadata = { format: 'clicktune-linear-adapter', version: '1', towers: 'query', shared: 'false', residual: 'false', inputDimension: '3', outputDimension: '3' };
const adapterWith = (weights: number[]) =>
  safetensors({ __metadata__: adapterMetadata, 'query_adapter.weight': { dtype: 'F32', shape: [3, 3], data_offsets: [0, 36] } }, Float32Array.from(weights));
const identity = [1, 0, 0, 0, 1, 0, 0, 0, 1];
const bom = '\uFEFF';

/** Little-endian float32 rows. */
const matrix = (rows: number, dimension: number) => new Uint8Array(Float32Array.from({ length: rows * dimension }, (_, index) => Math.sin(index + 1)).buffer);

export const CASES: readonly BadInputCase[] = [
  // Crashes on user mistakes, and what caused them.
  {
    name: 'an embedding of 26 million values',
    class: 'crash',
    files: { 'huge.jsonl': `{"id":"a","embedding":[${'0,'.repeat(26_000_000 - 1)}0]}\n` },
    args: ['extract', '--items', 'huge.jsonl', '--sessions', 'sessions.jsonl', '--out', 'out'],
    code: 3,
    message: /huge\.jsonl:1: embedding: has 26000000 values; ClickTune takes embeddings of at most 65536/,
  },
  {
    name: 'safetensors __metadata__ null',
    class: 'crash',
    files: { 'a.safetensors': safetensors({ __metadata__: null, 'query_adapter.weight': { dtype: 'F32', shape: [3, 3], data_offsets: [0, 36] } }, Float32Array.from(identity)) },
    args: evaluate('--adapter', 'a.safetensors'),
    code: 6,
    message: /a\.safetensors: __metadata__ must be an object of strings/,
  },
  {
    name: 'safetensors tensor entry null',
    class: 'crash',
    files: { 'a.safetensors': safetensors({ __metadata__: adapterMetadata, 'query_adapter.weight': null }) },
    args: evaluate('--adapter', 'a.safetensors'),
    code: 6,
    message: /a\.safetensors: tensor "query_adapter\.weight" must be an object/,
  },
  {
    name: '--backend reference on train',
    class: 'crash',
    args: train('--backend', 'reference'),
    code: 5,
    message: /--backend: backend "reference" runs no tensors .*e\.g\. cpu \(always available\)/,
  },
  { name: '--backend reference on evaluate', class: 'crash', args: evaluate('--backend', 'reference'), code: 5, message: /backend "reference" runs no tensors/ },
  { name: '--backend reference on simulate', class: 'crash', args: simulate('--backend', 'reference'), code: 5, message: /backend "reference" runs no tensors/ },
  { name: '--backend reference on extract', class: 'crash', args: extract('--backend', 'reference'), code: 5, message: /backend "reference" runs no tensors/ },
  { name: 'CLICKTUNE_BACKEND=reference names the variable', class: 'crash', args: ['evaluate', ...judged, '--backend', 'reference'], code: 5, message: /runs no tensors/ },
  {
    name: 'experiment --out naming an existing file',
    class: 'crash',
    files: { taken: 'x' },
    args: ['experiment', ...judged, '--seeds', '1', '--out', 'taken'],
    code: 4,
    message: /taken: cannot create the folder: .*taken is a file/,
    output: 'taken/experiment.json',
  },
  {
    name: 'experiment --out under a file',
    class: 'crash',
    files: { taken: 'x' },
    args: ['experiment', ...judged, '--seeds', '1', '--out', 'taken/results'],
    code: 4,
    message: /taken\/results: cannot create the folder/,
    output: 'taken/results',
  },
  {
    name: 'train --towers sideways',
    class: 'crash',
    args: train('--towers', 'sideways'),
    code: 2,
    message: /^clicktune: --towers must be one of both, query, item, got "sideways"$/,
  },
  {
    name: 'experiment --towers sideways',
    class: 'crash',
    args: ['experiment', ...judged, '--towers', 'sideways'],
    code: 2,
    message: /^clicktune: --towers must be one of both, query, item, got "sideways"$/,
    output: 'quality-results',
  },
  {
    name: 'demo --report in a missing folder',
    class: 'crash',
    args: ['demo', ...judged, '--report', 'missing/report.html'],
    code: 4,
    message: /missing\/report\.html: cannot write here: the folder .*missing does not exist/,
    output: 'missing/report.html',
  },

  // Hangs and unbounded memory: refused up front.
  {
    name: 'experiment --out under /proc',
    class: 'hang',
    args: ['experiment', ...judged, '--seeds', '1', '--out', '/proc/clicktune-corpus'],
    code: 4,
    message: /\/proc\/clicktune-corpus: cannot create the folder/,
  },
  { name: 'simulate --sessions 1e15', class: 'hang', args: simulate('--sessions', '1e15'), code: 2, message: /--sessions must be/ },
  { name: 'simulate --sessions 0', class: 'hang', args: simulate('--sessions', '0'), code: 2, message: /--sessions must be/ },
  { name: 'simulate --sessions -5', class: 'hang', args: simulate('--sessions', '-5'), code: 2, message: /--sessions must be/ },
  { name: 'simulate --top-k 1e9', class: 'hang', args: simulate('--top-k', '1e9'), code: 2, message: /^clicktune: --top-k 1000000000 is more than the 12 items$/ },

  // Garbage that must not be accepted.
  {
    name: 'an adapter with NaN weights',
    class: 'garbage',
    files: { 'nan.safetensors': adapterWith([Number.NaN, 0, 0, 0, 1, 0, 0, 0, 1]) },
    args: evaluate('--adapter', 'nan.safetensors'),
    code: 6,
    message: /nan\.safetensors: query_adapter\.weight has a non-finite value \(NaN at index 0\)/,
  },
  {
    name: 'an adapter with NaN weights as --in-service',
    class: 'garbage',
    files: { 'nan.safetensors': adapterWith([1, 0, 0, 0, Number.POSITIVE_INFINITY, 0, 0, 0, 1]) },
    args: train('--in-service', 'nan.safetensors'),
    code: 6,
    message: /nan\.safetensors: query_adapter\.weight has a non-finite value \(Infinity at index 4\)/,
  },
  {
    name: '--learning-rate 1e308 (it would train to NaN)',
    class: 'garbage',
    args: train('--learning-rate', '1e308'),
    code: 2,
    message: /^clicktune: --learning-rate must be a number in \(0, 10\], got 1e\+308$/,
  },
  {
    name: 'qrels grade 1e308',
    class: 'garbage',
    files: { 'big.txt': 'q0 0 i0 1e308\n' },
    args: ['evaluate', ...data, '--qrels', 'big.txt'],
    code: 3,
    message: /big\.txt:1: grade: grade must be a number from 0 to 100/,
  },
  {
    name: 'qrels grade -1',
    class: 'garbage',
    files: { 'negative.txt': 'q0 0 i0 1\nq0 0 i1 -1\n' },
    args: ['evaluate', ...data, '--qrels', 'negative.txt'],
    code: 3,
    message: /negative\.txt:2: grade:/,
  },
  { name: 'qrels grade 0x10', class: 'garbage', files: { 'hex.txt': 'q0 0 i0 0x10\n' }, args: ['evaluate', ...data, '--qrels', 'hex.txt'], code: 3, message: /hex\.txt:1: grade:/ },
  {
    name: 'qrels grade Infinity',
    class: 'garbage',
    files: { 'inf.txt': 'q0 0 i0 Infinity\n' },
    args: ['evaluate', ...data, '--qrels', 'inf.txt'],
    code: 3,
    message: /inf\.txt:1: grade:/,
  },
  {
    name: 'qrels JSONL grade as a string',
    class: 'garbage',
    files: { 'q.jsonl': '{"query":"q0","item":"i0","grade":"1"}\n' },
    args: ['evaluate', ...data, '--qrels', 'q.jsonl'],
    code: 3,
    message: /q\.jsonl:1: grade:/,
  },
  {
    name: 'qrels judging a pair twice',
    class: 'garbage',
    files: { 'twice.txt': 'q0 0 i0 1\nq0 0 i0 2\n' },
    args: ['evaluate', ...data, '--qrels', 'twice.txt'],
    code: 3,
    message: /twice\.txt:2: query "q0" judges item "i0" twice/,
  },
  {
    name: 'train --method clicktune with a result not in the catalogue',
    class: 'garbage',
    files: { 'sessions.jsonl': `${good}\n${JSON.stringify({ query: 'q1', results: ['i0', 'zz'], events: ['i0'] })}\n` },
    args: train('--method', 'clicktune'),
    code: 3,
    message: /sessions\.jsonl:2: results: 1 unknown item id: "zz"/,
  },
  {
    name: 'train --method pairwise with a result not in the catalogue',
    class: 'garbage',
    files: { 'sessions.jsonl': `${good}\n${JSON.stringify({ query: 'q1', results: ['i0', 'zz'], events: ['i0'] })}\n` },
    args: train('--method', 'pairwise'),
    code: 3,
    message: /sessions\.jsonl:2: results: 1 unknown item id: "zz"/,
  },
  {
    name: 'an invalid UTF-8 byte in an id',
    class: 'garbage',
    files: { 'items.jsonl': Buffer.concat([Buffer.from('{"id":"i0","embedding":[1,0,0]}\n{"id":"i'), Buffer.from([0xff]), Buffer.from('1","embedding":[0,1,0]}\n')]) },
    args: extract(),
    code: 3,
    message: /items\.jsonl:2: not valid UTF-8 text/,
  },
  {
    name: 'a truncated UTF-8 sequence at the end of the file',
    class: 'garbage',
    files: { 'sessions.jsonl': Buffer.concat([Buffer.from(`${good}\n{"query":"q`), Buffer.from([0xe2, 0x82])]) },
    args: extract(),
    code: 3,
    message: /sessions\.jsonl:2: not valid UTF-8 text/,
  },
  {
    name: 'a session with a NaN rank',
    class: 'garbage',
    files: { 'sessions.jsonl': `${good}\n{"query":"q0","results":["i0"],"ranks":{"i0":"NaN"}}\n` },
    args: extract(),
    code: 3,
    message: /sessions\.jsonl:2: ranks\.i0: must be a finite number/,
  },
  {
    name: 'an embedding with a string value',
    class: 'garbage',
    files: { 'items.jsonl': '{"id":"i0","embedding":[1,"2",3]}\n' },
    args: extract(),
    code: 3,
    message: /items\.jsonl:1: embedding/,
  },
  {
    name: 'a nested array embedding',
    class: 'garbage',
    files: { 'items.jsonl': '{"id":"i0","embedding":[[1],[2],[3]]}\n' },
    args: extract(),
    code: 3,
    message: /items\.jsonl:1: embedding/,
  },
  {
    name: 'an embedding of 1e400 (Infinity after parsing)',
    class: 'garbage',
    files: { 'items.jsonl': '{"id":"i0","embedding":[1e400,0,0]}\n' },
    args: extract(),
    code: 3,
    message: /items\.jsonl:1: embedding/,
  },
  { name: 'an empty embedding', class: 'garbage', files: { 'items.jsonl': '{"id":"i0","embedding":[]}\n' }, args: extract(), code: 3, message: /items\.jsonl:1: embedding/ },

  // Valid input that must be accepted.
  { name: 'a byte-order mark before items JSONL', class: 'valid input', files: { 'items.jsonl': `${bom}${baseFiles()['items.jsonl']}` }, args: extract(), code: 0 },
  { name: 'a byte-order mark before sessions JSONL', class: 'valid input', files: { 'sessions.jsonl': `${bom}${good}\n` }, args: extract(), code: 0 },
  { name: 'a byte-order mark before TREC qrels', class: 'valid input', files: { 'qrels.txt': `${bom}q0 0 i0 1\n` }, args: evaluate('--json'), code: 0, output: '' },
  { name: 'CRLF line ends', class: 'valid input', files: { 'sessions.jsonl': `${good}\r\n${good}\r\n` }, args: extract(), code: 0 },
  {
    name: 'hostile ids: __proto__, constructor, toString',
    class: 'valid input',
    files: {
      'items.jsonl': ['__proto__', 'constructor', 'toString', 'i3'].map((id, index) => JSON.stringify({ id, embedding: [index, 1, 0] })).join('\n'),
      'sessions.jsonl':
        '{"query":{"embedding":[1,0,0]},"results":["__proto__","constructor","toString"],"events":["constructor"],"ranks":{"__proto__":3,"constructor":2,"toString":1}}\n',
    },
    args: extract('--max-difference', '2'),
    code: 0,
  },
  {
    name: 'qrels naming items the catalogue lacks: a warning, not an error',
    class: 'valid input',
    files: { 'qrels.txt': 'q0 0 i0 1\nq0 0 gone 1\nq9 0 i1 1\n' },
    args: evaluate(),
    code: 0,
    message: /qrels\.txt: 1 judged queries and 1 judged items are not in the given files/,
    output: '',
  },

  // Errors must say where.
  {
    name: 'an item without an embedding on line 5',
    class: 'location',
    files: { 'items.jsonl': `${baseFiles()['items.jsonl'].split('\n').slice(0, 4).join('\n')}\n{"id":"t","text":"no vector"}\n` },
    args: extract(),
    code: 3,
    message: /items\.jsonl:5: embedding: has no embedding while the item on line 1 has one/,
  },
  {
    name: 'queries and items of different dimensions',
    class: 'location',
    files: { 'queries.jsonl': '{"id":"q0","embedding":[1,0]}\n' },
    args: extract(),
    code: 3,
    message: /queries\.jsonl: queries have 2 values, the items in items\.jsonl have 3/,
  },
  {
    name: 'an items matrix read with a wrong id count that divides it',
    class: 'location',
    files: { 'm.f32': matrix(4, 3), 'ids.txt': 'a\nb\nc\nd\ne\nf\n' },
    args: ['extract', '--items-matrix', 'm.f32', '--items-ids', 'ids.txt', '--queries', 'queries.jsonl', '--sessions', 'sessions.jsonl', '--out', 'out'],
    code: 3,
    message: /queries have 3 values, the items in m\.f32 have 2 \(.*6 ids in ids\.txt: is that count right\?\)/,
  },
  {
    name: 'an items matrix whose size no id count explains',
    class: 'location',
    files: { 'm.f32': matrix(4, 3), 'ids.txt': 'a\nb\nc\nd\ne\n' },
    args: ['extract', '--items-matrix', 'm.f32', '--items-ids', 'ids.txt', '--sessions', 'sessions.jsonl', '--out', 'out'],
    code: 3,
    message: /m\.f32: 12 values do not make 5 rows/,
  },
  {
    name: 'a duplicate id in the ids file',
    class: 'location',
    files: { 'm.f32': matrix(4, 3), 'ids.txt': 'a\nb\nb\nc\n' },
    args: ['extract', '--items-matrix', 'm.f32', '--items-ids', 'ids.txt', '--sessions', 'sessions.jsonl', '--out', 'out'],
    code: 3,
    message: /ids\.txt:3: id: duplicate item id "b" \(first on line 2\)/,
  },
  {
    name: 'a duplicate item id, 1 and "1"',
    class: 'location',
    files: { 'items.jsonl': '{"id":1,"embedding":[1,0,0]}\n{"id":"1","embedding":[0,1,0]}\n' },
    args: extract(),
    code: 3,
    message: /items\.jsonl:2: id: duplicate item id "1"/,
  },
  {
    name: 'an unknown query id in a session',
    class: 'location',
    files: { 'sessions.jsonl': `${good}\n${good.replace('"q0"', '"q77"')}\n` },
    args: extract(),
    code: 3,
    message: /sessions\.jsonl:2: query: 1 unknown query id: "q77"/,
  },
  {
    name: 'a query by id with no --queries',
    class: 'location',
    args: ['extract', '--items', 'items.jsonl', '--sessions', 'sessions.jsonl', '--out', 'out'],
    code: 3,
    message: /sessions\.jsonl:1: query: query "q0" is given by id, and there are no queries to look it up in/,
  },
  {
    name: 'an unknown item in a session of simulate --adapter-free train',
    class: 'location',
    files: { 'sessions.jsonl': `${good}\n${good}\n${good.replace('"i1"', '"nope"').replace('"i1":2', '"nope":2')}\n` },
    args: train(),
    code: 3,
    message: /sessions\.jsonl:3: results: 1 unknown item id: "nope"/,
  },
  { name: 'a session line that is an array', class: 'location', files: { 'sessions.jsonl': `${good}\n[1,2]\n` }, args: extract(), code: 3, message: /sessions\.jsonl:2:/ },
  {
    name: 'results that are not an array',
    class: 'location',
    files: { 'sessions.jsonl': `{"query":"q0","results":"i0"}\n` },
    args: extract(),
    code: 3,
    message: /sessions\.jsonl:1: results/,
  },
  {
    name: 'bad JSON on line 3',
    class: 'location',
    files: { 'sessions.jsonl': `${good}\n${good}\n{"query": oops}\n` },
    args: extract(),
    code: 3,
    message: /sessions\.jsonl:3: not valid JSON/,
  },
  { name: 'an empty sessions file', class: 'location', files: { 'sessions.jsonl': '\n\n' }, args: train(), code: 3, message: /sessions\.jsonl: no sessions in the file/ },
  {
    name: 'empty sessions on stdin',
    class: 'location',
    stdin: '',
    args: ['extract', ...data, '--sessions', '-', '--out', 'out'],
    code: 3,
    message: /stdin: no sessions in the file/,
  },
  { name: 'an empty items file', class: 'location', files: { 'items.jsonl': '' }, args: extract(), code: 3, message: /items\.jsonl: no items in the file/ },
  {
    name: 'an items path that is a folder',
    class: 'location',
    files: { 'folder/x': '' },
    args: ['extract', '--items', 'folder', '--sessions', 'sessions.jsonl', '--out', 'out'],
    code: 4,
    message: /folder: is a directory/,
  },
  { name: 'a missing sessions file', class: 'location', args: ['extract', ...data, '--sessions', 'nope.jsonl', '--out', 'out'], code: 4, message: /nope\.jsonl: no such file/ },
  { name: 'a missing --query-ids file', class: 'location', args: evaluate('--query-ids', 'nope.txt'), code: 4, message: /nope\.txt: no such file/, output: '' },
  {
    name: 'random bytes as --adapter',
    class: 'location',
    files: { 'random.safetensors': new Uint8Array(Array.from({ length: 64 }, (_, index) => (index * 97 + 13) % 256)) },
    args: evaluate('--adapter', 'random.safetensors'),
    code: 6,
    message: /random\.safetensors: not a safetensors file/,
  },
  {
    name: 'an empty --adapter file',
    class: 'location',
    files: { 'empty.safetensors': '' },
    args: evaluate('--adapter', 'empty.safetensors'),
    code: 6,
    message: /empty\.safetensors: too short to be a safetensors file/,
  },
  {
    name: 'a truncated adapter',
    class: 'location',
    files: { 'cut.safetensors': adapterWith(identity).subarray(0, adapterWith(identity).length - 8) },
    args: evaluate('--adapter', 'cut.safetensors'),
    code: 6,
    message: /cut\.safetensors: tensor "query_adapter\.weight" points outside the data/,
  },
  {
    name: 'an adapter of another dimension',
    class: 'location',
    files: {
      'wide.safetensors': safetensors(
        { __metadata__: { ...adapterMetadata, inputDimension: '2', outputDimension: '2' }, 'query_adapter.weight': { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } },
        Float32Array.from([1, 0, 0, 1]),
      ),
    },
    args: evaluate('--adapter', 'wide.safetensors'),
    code: 3,
    message: /wide\.safetensors: .*2.*3|3.*2/,
  },
  {
    name: 'a checkpoint as --adapter',
    class: 'location',
    files: { 'c.safetensors': safetensors({ __metadata__: { format: 'clicktune-checkpoint', state: '{}' } }) },
    args: evaluate('--adapter', 'c.safetensors'),
    code: 6,
    message: /c\.safetensors: /,
  },

  // Flags: one line, the flag the user typed, said once.
  { name: '--epochs 0', class: 'flags', args: train('--epochs', '0'), code: 2, message: /^clicktune: --epochs must be a whole number > 0, got "0"$/ },
  { name: '--epochs 1e308', class: 'flags', args: train('--epochs', '1e308'), code: 2, message: /--epochs must be/ },
  { name: '--batch-size -1', class: 'flags', args: train('--batch-size', '-1'), code: 2, message: /--batch-size must be/ },
  { name: '--learning-rate abc', class: 'flags', args: train('--learning-rate', 'abc'), code: 2, message: /--learning-rate must be a number > 0, got "abc"/ },
  { name: '--weight-decay NaN', class: 'flags', args: train('--weight-decay', 'NaN'), code: 2, message: /--weight-decay must be/ },
  { name: '--seed 1.5', class: 'flags', args: train('--seed', '1.5'), code: 2, message: /--seed/ },
  { name: '--seed 2^60', class: 'flags', args: train('--seed', '1152921504606846976'), code: 2, message: /--seed/ },
  { name: '--folds 0', class: 'flags', args: train('--folds', '0'), code: 2, message: /--folds must be/ },
  { name: '--hard-negative-pool -3', class: 'flags', args: train('--hard-negative-pool', '-3'), code: 2, message: /--hard-negative-pool/ },
  { name: '--hard-negative-pool 1e400', class: 'flags', args: train('--hard-negative-pool', '1e400'), code: 2, message: /--hard-negative-pool/ },
  { name: '--min-clicks 0', class: 'flags', args: train('--min-clicks', '0'), code: 2, message: /^clicktune: --min-clicks must be a whole number > 0, got "0"$/ },
  {
    name: '--click-threshold 1.5',
    class: 'flags',
    args: train('--click-threshold', '1.5'),
    code: 2,
    message: /^clicktune: --click-threshold must be a number in \[0, 1\], got "1.5"$/,
  },
  { name: '--click-threshold NaN', class: 'flags', args: train('--click-threshold', 'NaN'), code: 2, message: /--click-threshold must be a number in \[0, 1\]/ },
  { name: '--workers 0', class: 'flags', args: train('--workers', '0'), code: 2, message: /--workers must be auto or a whole number ≥ 1, got "0"/ },
  { name: '--workers two', class: 'flags', args: train('--workers', 'two'), code: 2, message: /--workers must be auto or a whole number ≥ 1, got "two"/ },
  { name: '--gate-confidence 1.5', class: 'flags', args: train('--gate-confidence', '1.5'), code: 2, message: /--gate-confidence/ },
  { name: '--validation-fraction 1', class: 'flags', args: train('--validation-fraction', '1'), code: 2, message: /--validation-fraction/ },
  { name: '--patience -1', class: 'flags', args: train('--patience', '-1'), code: 2, message: /--patience/ },
  { name: '--method magic', class: 'flags', args: train('--method', 'magic'), code: 2, message: /--method/ },
  { name: '--factor 0 on extract', class: 'flags', args: extract('--factor', '0'), code: 2, message: /^clicktune: --factor must be a number in \(0, 1\], got "0"$/ },
  { name: '--min-difference 3 on extract', class: 'flags', args: extract('--min-difference', '3'), code: 2, message: /--min-difference must be a number in \[0, 2\]/ },
  {
    name: '--max-difference below --min-difference',
    class: 'flags',
    args: extract('--min-difference', '0.5', '--max-difference', '0.2'),
    code: 2,
    message: /--max-difference \(0\.2\) must be above --min-difference \(0\.5\)/,
  },
  { name: '--confidence magic on extract', class: 'flags', args: extract('--confidence', 'magic'), code: 2, message: /--confidence/ },
  { name: '--k 0 on evaluate', class: 'flags', args: evaluate('--k', '0'), code: 2, message: /--k must be/, output: '' },
  { name: '--click-model magic on simulate', class: 'flags', args: simulate('--click-model', 'magic'), code: 2, message: /--click-model/ },
  { name: '--sessions abc on simulate', class: 'flags', args: simulate('--sessions', 'abc'), code: 2, message: /--sessions must be/ },
  {
    name: '--positions without --slots',
    class: 'flags',
    args: simulate('--top-k', '4', '--positions', '2'),
    code: 2,
    message: /--positions places exploration slots: give --slots too/,
  },
  { name: '--positions beyond --top-k', class: 'flags', args: simulate('--top-k', '4', '--slots', '1', '--positions', '9'), code: 2, message: /position/ },
  {
    name: '--query-ids naming an unknown query',
    class: 'location',
    files: { 'ids.txt': 'q0\nq42\n' },
    args: simulate('--query-ids', 'ids.txt'),
    code: 3,
    message: /ids\.txt:2: 1 unknown query id: "q42"/,
  },
  { name: 'an unknown option', class: 'flags', args: ['evaluate', '--frobnicate'], code: 2, message: /^clicktune: unknown option '--frobnicate' \(--help lists the options\)$/ },
  { name: 'an unknown --backend', class: 'flags', args: extract('--backend', 'tpu'), code: 2, message: /--backend: unknown backend "tpu"/ },
  { name: 'an unknown --sample', class: 'flags', args: ['evaluate', '--sample', 'nope'], code: 2, message: /--sample: unknown sample "nope"|unknown sample "nope"/, output: '' },
  { name: '--resume with no checkpoint', class: 'flags', args: train('--resume'), code: 2, message: /--resume: there is no checkpoint at .*out\.checkpoint/ },
  {
    name: '--select-query-ids without --select-with-qrels',
    class: 'flags',
    args: train('--select-query-ids', 'ids.txt'),
    code: 2,
    message: /--select-query-ids needs --select-with-qrels/,
  },

  // Nothing left behind.
  {
    name: 'train --out in a missing folder',
    class: 'left behind',
    args: ['train', ...data, '--sessions', 'sessions.jsonl', '--out', 'missing/a.safetensors'],
    code: 4,
    message: /missing\/a\.safetensors: cannot write here: the folder .*missing does not exist/,
    output: 'missing',
  },
  { name: 'train --history in a missing folder', class: 'left behind', args: train('--history', 'missing/h.json'), code: 4, message: /missing\/h\.json: cannot write here/ },
  { name: 'train --checkpoint in a missing folder', class: 'left behind', args: train('--checkpoint', 'missing/c'), code: 4, message: /missing\/c: cannot write here/ },
  {
    name: 'extract --out in a missing folder',
    class: 'left behind',
    args: ['extract', ...data, '--sessions', 'sessions.jsonl', '--out', 'missing/f.jsonl'],
    code: 4,
    message: /missing\/f\.jsonl: cannot write here/,
    output: 'missing',
  },
  {
    name: 'simulate --out that is a folder',
    class: 'left behind',
    files: { 'out/x': '' },
    args: simulate(),
    code: 4,
    message: /out: cannot write here: it is a folder/,
    output: '',
  },
  // Click logs aggregated by DuckDB (train --sessions logs.csv / .parquet / a glob).
  {
    name: 'an impressions CSV with mapped columns and 1-based ranks',
    class: 'valid input',
    files: { 'log.csv': impressionsCsv() },
    args: train('--sessions', 'log.csv', '--map', 'query=term,item=product,position=rank,clicked=hit', '--first-position', '1', '--epochs', '1', '--folds', '1'),
    code: 0,
  },
  { name: '--engine sql', class: 'flags', args: train('--engine', 'sql'), code: 2, message: /^clicktune: --engine must be auto, duckdb or stream, got "sql"$/ },
  { name: '--map without =', class: 'flags', args: train('--sessions', 'log.csv', '--map', 'query'), code: 2, message: /--map: "query" is not field=column/ },
  { name: '--map __proto__=x', class: 'flags', args: train('--sessions', 'log.csv', '--map', '__proto__=x'), code: 2, message: /--map: "__proto__=x" is not field=column/ },
  { name: '--map naming a field twice', class: 'flags', args: train('--sessions', 'log.csv', '--map', 'query=a,query=b'), code: 2, message: /--map names query twice/ },
  { name: '--first-position 2', class: 'flags', args: train('--first-position', '2'), code: 2, message: /--first-position must be 0 or 1/ },
  {
    name: 'a Parquet log for the pairwise method',
    class: 'flags',
    args: train('--sessions', 'log.parquet', '--method', 'pairwise'),
    code: 2,
    message: /the pairwise method trains on whole sessions/,
  },
  {
    name: '--engine stream for a glob',
    class: 'flags',
    args: train('--sessions', 'logs/*.parquet', '--engine', 'stream'),
    code: 2,
    message: /--engine stream reads sessions JSONL/,
  },
  {
    name: 'a glob that matches no file',
    class: 'location',
    args: train('--sessions', 'absent/*.parquet'),
    code: 4,
    message: /absent\/\*\.parquet: no such file|absent\/\*\.parquet: cannot read it/,
  },
  {
    name: 'an impressions CSV naming an item not in the catalogue',
    class: 'location',
    files: { 'log.csv': `query,item,position,clicked\nq0,i0,0,1\nq0,ghost,1,0\n` },
    args: train('--sessions', 'log.csv'),
    code: 3,
    message: /log\.csv: 1 unknown item id: "ghost"/,
  },
  {
    name: 'an impressions CSV of query ids without --queries',
    class: 'location',
    files: { 'log.csv': `query,item,position,clicked\nq0,i0,0,1\n` },
    args: ['train', '--items', 'items.jsonl', '--sessions', 'log.csv', '--out', 'out'],
    code: 3,
    message: /log\.csv: query: query "q0" is given by id, and there are no queries to look it up in/,
  },
  {
    name: 'an impressions CSV with a position that is not a number',
    class: 'location',
    files: { 'log.csv': `query,item,position,clicked\nq0,i0,0,1\nq0,i1,second,0\n` },
    args: train('--sessions', 'log.csv'),
    code: 3,
    message: /log\.csv: 1 rows have a position that is not a whole number ≥ 0/,
  },
];
