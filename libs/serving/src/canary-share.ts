/**
 * Whether an entity falls in the canary share: a stable 32-bit FNV-1a hash of
 * its key mapped to [0, 1), so the same entity always gets the same answer
 * (sticky) and a share of 0.1 takes about a tenth of the entities.
 */
export function inCanaryShare(entityKey: string, share: number): boolean {
  if (share <= 0) return false;
  if (share >= 1) return true;
  let hash = 0x811c9dc5;
  for (let i = 0; i < entityKey.length; i++) {
    hash ^= entityKey.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 0x1_0000_0000 < share;
}
