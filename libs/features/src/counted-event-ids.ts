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
  /** Remembers an id until the emitted boundary reaches `expiresAtMs` (rounded up to its group's end). */
  add(id: string, expiresAtMs: number): void;
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
  for (const [group, groupIds] of saved ?? []) {
    if (isCountedIdGroupExpired(group, boundaryMs)) continue;
    byGroup.set(group, [...groupIds]);
    for (const id of groupIds) ids.add(id);
  }

  function push(groups: Map<number, string[]>, group: number, id: string): void {
    const list = groups.get(group);
    if (list) list.push(id);
    else groups.set(group, [id]);
  }

  return {
    has: (id) => ids.has(id),
    add(id, expiresAtMs) {
      const group = countedIdGroupOf(expiresAtMs);
      ids.add(id);
      push(byGroup, group, id);
      push(added, group, id);
    },
    forgetExpired(boundaryMs) {
      for (const [group, groupIds] of byGroup) {
        if (!isCountedIdGroupExpired(group, boundaryMs)) continue;
        for (const id of groupIds) ids.delete(id);
        byGroup.delete(group);
        added.delete(group);
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
