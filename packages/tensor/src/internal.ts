// The differentiable ops the tensor extractor, the listwise term and the
// adapters are built from, for ClickTune's own packages and for authors of a
// custom EmbeddingModel who want the same kernels: not covered by semver.
export { GRADIENTS_REGISTERED } from './gradients';
export { constantTimes, differenceMask, gatherRows, matMul, rowNorms } from './ops';
export { rankMatrix, rankRows } from './rankers';
