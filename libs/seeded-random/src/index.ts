/**
 * @tributary/seeded-random — randomness that repeats for a seed: a mulberry32
 * generator and a sampler of distinct indices. Shared by the trainer's models
 * (@tributary/ml), the drift profiles (@tributary/drift) and the benchmarks,
 * none of which may depend on another for it.
 */
export { createRandom, type Random } from './create-random.js';
export { sampleIndices } from './sample-indices.js';
