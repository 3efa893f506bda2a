import type { CategoryValue } from './feature-columns.js';

/** How often each category occurs in a column, and how many values are missing. */
export interface CategoryCounts {
  readonly counts: ReadonlyMap<string, number>;
  readonly missing: number;
}

/**
 * Counts a categorical column by label; a code counts as its decimal label, so
 * `17` and `"17"` are one category.
 */
export function countCategories(values: ArrayLike<CategoryValue>): CategoryCounts {
  // Count the raw values first: a window has few distinct ones, so each is
  // turned into a label once rather than once per row.
  const raw = new Map<CategoryValue, number>();
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    raw.set(value, (raw.get(value) ?? 0) + 1);
  }
  const counts = new Map<string, number>();
  let missing = 0;
  for (const [value, count] of raw) {
    const label = categoryLabel(value);
    if (label === undefined) missing += count;
    else counts.set(label, (counts.get(label) ?? 0) + count);
  }
  return { counts, missing };
}

function categoryLabel(value: CategoryValue): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
