// The smallest meaningful ClickTune run until the CLI's `demo` lands:
// one session (DESIGN.md / CASES C10) through the planner and the reference
// extractor, with each confidence calculator, printing pairs and losses.
import { FineTuningInput, ItemsSet } from '@clicktune/core';
import { baseEmbeddingModel, FeaturesExtractor, probMarginRankingLoss } from '@clicktune/reference';

const items = ItemsSet.fromRecords([
  { id: 'e1', embedding: [1, 0] },
  { id: 'n1', embedding: [0, 1] },
  { id: 'e2', embedding: [0.6, 0.8] },
  { id: 'n2', embedding: [1, 1] },
  { id: 'n3', embedding: [-1, 0] },
]);
const session = FineTuningInput.create({
  query: { embedding: [1, 0] },
  results: ['e1', 'n1', 'e2', 'n2', 'n3'],
  events: ['e1', 'e2'],
  ranks: { e1: 0.9, n1: 0.8, e2: 0.7, n2: 0.6, n3: 0.5 },
});

for (const confidenceCalculator of ['dummy', 'slidingWindow', 'positionBias']) {
  const extractor = new FeaturesExtractor(baseEmbeddingModel(), { confidenceCalculator });
  const { features, report } = extractor.forward([session], items);
  console.log(`\nconfidences: ${confidenceCalculator} — ${report.pairs} pairs planned, ${features.length} kept by the filter (0, 1)`);
  console.table(features.toRows().map(({ session: _session, ...row }) => row));
  console.log(`ProbMarginRankingLoss(margin 0.1) = ${probMarginRankingLoss(features, { margin: 0.1 }).toFixed(4)}`);
}
