import fc from 'fast-check';

// Locally every run explores new random cases; in CI the seed is fixed so a
// submission's result does not depend on luck. A failure prints its seed and
// path, and FAST_CHECK_SEED replays it.
const seed = process.env.FAST_CHECK_SEED ?? (process.env.CI ? '20261128' : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });
