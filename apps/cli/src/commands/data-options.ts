import type { Command } from 'commander';

/** The flags every data-reading command shares. */
export function withDataOptions(command: Command): Command {
  return command
    .option('--sample <name>', 'use the embedded sample ("emoji") for items, queries and judgements')
    .option('--items <file>', 'items JSONL: {"id", "embedding": [...]} per line')
    .option('--items-matrix <file>', 'items as a little-endian float32 matrix (with --items-ids)')
    .option('--items-ids <file>', 'one item id per line, in the rows of --items-matrix')
    .option('--queries <file>', 'queries JSONL, the same shape as items')
    .option('--qrels <file>', 'relevance judgements: TREC qrels ("query 0 item grade") or JSONL {"query","item","grade"}');
}

export function withRuntimeOptions(command: Command): Command {
  return command
    .option('--backend <name>', 'tensor backend (default: CLICKTUNE_BACKEND, else the best available; see `clicktune backends`)')
    .option('--seed <n>', 'random seed', '1')
    .option('--json', 'machine-readable output on stdout');
}
