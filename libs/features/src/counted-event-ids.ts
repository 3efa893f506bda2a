/**
 * Width of the groups remembered ids are kept in, by the time they may be
 * forgotten: expiry then costs one step per hour of event time instead of one
 * per id, and the checkpoint drops a whole group with one DEL.
 */
export const COUNTED_ID_GROUP_MS = 3_600_000;

/** The group of an id that may be forgotten from `expiresAtMs` on: it is kept until the boundary reaches the group's start. */
export function countedIdGroupOf(expiresAtMs: number): number {
  return Math.floor(expiresAtMs / COUNTED_ID_GROUP_MS) + 1;
}

/** Whether a group is forgotten once the boundary `boundaryMs` has been emitted. */
export function isCountedIdGroupExpired(group: number, boundaryMs: number): boolean {
  return group * COUNTED_ID_GROUP_MS <= boundaryMs;
}

/**
 * The event ids the engine has counted and still remembers, so a second copy
 * of an event (same id, another offset) is skipped instead of counted again.
 * An id is remembered at least until its expiry and at most one group longer.
 */
export interface CountedEventIds {
  has(id: string): boolean;
  /**
   * Remembers an id until the emitted boundary reaches `expiresAtMs` (rounded
   * up to its group's end); false, changing nothing, if it is remembered
   * already. One lookup: this runs for every event counted.
   */
  addIfNew(id: string, expiresAtMs: number): boolean;
  /** Forgets every group expired at the boundary `boundaryMs`. */
  forgetExpired(boundaryMs: number): void;
  /** The ids added since the last call, by group, and forgets them as changes. */
  takeAdded(): Map<number, string[]>;
  /** Every remembered id by group, ids sorted: a state to save or compare. */
  groups(): Map<number, string[]>;
}

/** Creates the memory, restoring `saved` groups (those expired at `boundaryMs` are left out). */
export function createCountedEventIds(saved: ReadonlyMap<number, readonly string[]> | undefined, boundaryMs: number): CountedEventIds {
  const ids = new Set<string>();
  const byGroup = new Map<number, string[]>();
  let added = new Map<number, string[]>();
  /** Start of the earliest live group: nothing expires before the boundary reaches it. */
  let nextExpiryMs = Number.POSITIVE_INFINITY;
  for (const [group, groupIds] of saved ?? []) {
    if (isCountedIdGroupExpired(group, boundaryMs)) continue;
    byGroup.set(group, [...groupIds]);
    for (const id of groupIds) ids.add(id);
    nextExpiryMs = Math.min(nextExpiryMs, group * COUNTED_ID_GROUP_MS);
  }

  function push(groups: Map<number, string[]>, group: number, id: string): void {
    const list = groups.get(group);
    if (list) list.push(id);
    else groups.set(group, [id]);
  }

  return {
    has: (id) => ids.has(id),
    addIfNew(id, expiresAtMs) {
      const before = ids.size;
      ids.add(id);
      if (ids.size === before) return false;
      const group = countedIdGroupOf(expiresAtMs);
      push(byGroup, group, id);
      push(added, group, id);
      if (group * COUNTED_ID_GROUP_MS < nextExpiryMs) nextExpiryMs = group * COUNTED_ID_GROUP_MS;
      return true;
    },
    forgetExpired(boundaryMs) {
      if (boundaryMs < nextExpiryMs) return;
      nextExpiryMs = Number.POSITIVE_INFINITY;
      for (const [group, groupIds] of byGroup) {
        if (isCountedIdGroupExpired(group, boundaryMs)) {
          for (const id of groupIds) ids.delete(id);
          byGroup.delete(group);
          added.delete(group);
        } else {
          nextExpiryMs = Math.min(nextExpiryMs, group * COUNTED_ID_GROUP_MS);
        }
      }
    },
    takeAdded() {
      const taken = added;
      added = new Map();
      return taken;
    },
    groups: () => new Map([...byGroup].sort(([a], [b]) => a - b).map(([group, groupIds]) => [group, [...groupIds].sort()])),
  };
}
