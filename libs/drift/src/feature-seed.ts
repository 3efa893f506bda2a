/**
 * A seed of its own for each feature (the seed mixed with an FNV-1a hash of the
 * name), so that one feature's sample does not change when another is added.
 */
export function featureSeed(seed: number, featureName: string): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < featureName.length; i++) hash = Math.imul(hash ^ featureName.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
