/** A `${VAR:?message}` (or `${VAR?message}`) whose variable was missing. */
export interface InterpolationProblem {
  readonly variable: string;
  readonly message: string;
}

/** The result of {@link interpolate}: the value with every reference replaced, and what was missing. */
export interface Interpolated<T> {
  readonly value: T;
  readonly problems: readonly InterpolationProblem[];
}

const reference = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * Replaces variable references in every string of a parsed Compose file the
 * way Compose does: `$$` is a literal `$`; `${VAR}` and `$VAR`; `${VAR:-default}`
 * (unset or empty) and `${VAR-default}` (unset); `${VAR:?message}` and
 * `${VAR?message}` (required: reported as a problem); `${VAR:+alternative}` and
 * `${VAR+alternative}`. Defaults may hold references themselves. Map keys are
 * left as they are, as in Compose.
 */
export function interpolate<T>(value: T, env: Readonly<Record<string, string | undefined>>): Interpolated<T> {
  const problems: InterpolationProblem[] = [];
  const text = (input: string): string =>
    input.replace(reference, (match, braced: string | undefined, operator: string | undefined, argument: string | undefined, bare: string | undefined) => {
      if (match === '$$') return '$';
      const name = braced ?? bare ?? '';
      const current = env[name];
      const unsetOrEmpty = current === undefined || current === '';
      const missing = operator?.startsWith(':') ? unsetOrEmpty : current === undefined;
      switch (operator?.at(-1)) {
        case '-':
          return missing ? text(argument ?? '') : (current ?? '');
        case '?':
          if (missing) problems.push({ variable: name, message: argument ?? '' });
          return current ?? '';
        case '+':
          return missing ? '' : text(argument ?? '');
        default:
          return current ?? '';
      }
    });
  const visit = (node: unknown): unknown => {
    if (typeof node === 'string') return text(node);
    if (Array.isArray(node)) return node.map(visit);
    if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, visit(child)]));
    return node;
  };
  return { value: visit(value) as T, problems };
}
