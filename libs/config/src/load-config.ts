import { isEnvVar, type EnvVar } from './env-var.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { inNamespace, namespaceVariable } from './in-namespace.js';

/** Variables, and groups of them, in the shape the loaded config should have. */
export interface ConfigSchema {
  readonly [key: string]: EnvVar<unknown, boolean> | ConfigSchema;
  /** A rule across the group's variables; see {@link withGroupCheck}. */
  readonly [groupCheck]?: GroupCheck;
}

/** Finds problems that no single variable shows, e.g. a certificate without its key. */
type GroupCheck = (group: Readonly<Record<string, unknown>>) => ConfigProblem[];

/** Where a group keeps its cross-variable rule; a symbol, so it is never a config key. */
const groupCheck: unique symbol = Symbol('tributary.config.groupCheck');

type OptionalKeys<S> = { [K in keyof S]: S[K] extends EnvVar<unknown, false> ? K : never }[keyof S];

type Value<N> = N extends EnvVar<infer T, boolean> ? T : N extends ConfigSchema ? ConfigOf<N> : never;

type Flatten<T> = { [K in keyof T]: T[K] } & {};

/**
 * The config a schema loads to: same keys, each variable replaced by its
 * parsed value; variables that may stay unset become optional keys.
 */
export type ConfigOf<S extends ConfigSchema> = Flatten<
  { readonly [K in Exclude<keyof S, OptionalKeys<S> | symbol>]: Value<S[K]> } & { readonly [K in OptionalKeys<S>]?: Value<S[K]> }
>;

/**
 * Adds a rule across a group's variables, checked after each parsed on its
 * own, e.g. "the key file is required when the certificate file is set".
 * The rule sees only the variables that loaded.
 */
export function withGroupCheck<S extends ConfigSchema>(schema: S, check: (group: Partial<ConfigOf<S>>) => ConfigProblem[]): S {
  return { ...schema, [groupCheck]: check as GroupCheck };
}

/** An environment to read; `process.env` has this shape. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates every variable of `schema` from `env`. Blank values
 * count as unset, so `FOO=` falls back to FOO's default. The defaults of
 * namespaced variables (topics, groups, databases, key prefixes…) move into
 * the namespace `TRIBUTARY_NAMESPACE` names, whether or not the schema lists
 * that variable itself. Throws one {@link ConfigError} naming every missing or
 * invalid variable.
 */
export function loadConfig<S extends ConfigSchema>(schema: S, env: Env = process.env): ConfigOf<S> {
  const problems: ConfigProblem[] = [];
  const namespace = hasNamespacedVariable(schema) ? (loadVariable(namespaceVariable, env, problems, undefined) as string | undefined) : undefined;
  const config = loadGroup(schema, env, problems, namespace);
  if (problems.length > 0) throw new ConfigError(uniqueProblems(problems));
  return config as ConfigOf<S>;
}

/** Whether any variable of the schema has a namespaced default, or the schema reads the namespace itself. */
export function hasNamespacedVariable(schema: ConfigSchema): boolean {
  return Object.values(schema).some((node) =>
    isEnvVar(node) ? node.namespaced !== undefined || node.name === namespaceVariable.name : hasNamespacedVariable(node),
  );
}

// The namespace is read once up front and again where a schema lists it: one problem, not two.
function uniqueProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.variable}\n${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function loadGroup(schema: ConfigSchema, env: Env, problems: ConfigProblem[], namespace: string | undefined): Record<string, unknown> {
  const group: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(schema)) {
    if (!isEnvVar(node)) {
      group[key] = loadGroup(node, env, problems, namespace);
      continue;
    }
    const value = loadVariable(node, env, problems, namespace);
    if (value !== undefined) group[key] = value;
  }
  problems.push(...(schema[groupCheck]?.(group) ?? []));
  return group;
}

function loadVariable(variable: EnvVar<unknown, boolean>, env: Env, problems: ConfigProblem[], namespace: string | undefined): unknown {
  const set = env[variable.name]?.trim() || undefined;
  const defaultText =
    variable.defaultValue !== undefined && variable.namespaced !== undefined
      ? inNamespace(namespace, variable.namespaced, variable.defaultValue)
      : variable.defaultValue;
  const text = set ?? defaultText;
  if (text === undefined) {
    if (variable.required) {
      problems.push({ variable: variable.name, message: `required but not set; set it to ${variable.expected} (${variable.description})` });
    }
    return undefined;
  }
  const parsed = variable.schema.safeParse(text);
  if (parsed.success) return parsed.data;
  const shown = variable.secret ? `a value of ${text.length} characters` : JSON.stringify(text);
  const reason = parsed.error.issues[0]?.message;
  const source = set === undefined ? ' (the default)' : '';
  problems.push({ variable: variable.name, message: `expected ${variable.expected}, got ${shown}${source}${reason ? `: ${reason}` : ''}` });
  return undefined;
}
