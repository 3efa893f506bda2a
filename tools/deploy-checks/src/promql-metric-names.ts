/** PromQL words that are not metric names: operators, modifiers, aggregations' clauses, literals. */
const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan', 'atan2', 'start', 'end']);

/**
 * The metric names a PromQL expression reads: every identifier that is not a
 * function or aggregation (followed by `(`), a keyword, a label inside `{}`
 * or a grouping clause, a string, a range or a Grafana variable. Enough to
 * catch a misspelt metric; not a PromQL parser (promtool checks the syntax).
 */
export function promqlMetricNames(expression: string): Set<string> {
  const stripped = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ') // strings
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\$\{?\w+\}?/g, ' '); // Grafana variables
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = match[0];
    const rest = stripped.slice((match.index ?? 0) + name.length);
    if (/^\s*\(/.test(rest) || keywords.has(name.toLowerCase())) continue;
    // A number like 1e3 or a duration like 5m outside a range.
    if (/^\d/.test(name) || /[0-9.]$/.test(stripped.slice(0, match.index ?? 0))) continue;
    names.add(name);
  }
  return names;
}
