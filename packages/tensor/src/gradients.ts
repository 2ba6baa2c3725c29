// tfjs-core registers gradient functions only from its ES-module file
// `dist/register_all_gradients`, whose imports have no file extensions, so
// Node cannot load it, and none of its prebuilt bundles include it. tsup
// bundles this one import (and what it pulls from tfjs-core's dist) into our
// build, so it works in Node (ESM and CJS) and under any bundler. tfjs-core
// keeps its engine and kernel/gradient registries on the global namespace and
// checks tensors structurally, so the bundled copy registers into the same
// registry as the `@tensorflow/tfjs-core` the user imports.
import '@tensorflow/tfjs-core/dist/register_all_gradients';

export const GRADIENTS_REGISTERED = true;
