import type { z } from 'zod';
import type { NamespacedKind } from './in-namespace.js';

/**
 * One documented environment variable: its name, how its text becomes a value,
 * and what a reader of `--help` or a README needs to set it. `Required` is
 * false for variables that may stay unset (their key is then absent from the
 * loaded config).
 */
export interface EnvVar<T, Required extends boolean = true> {
  /** Tells a variable from a group of variables in a schema. */
  readonly kind: 'env-var';
  readonly name: string;
  /** One sentence for `--help` and READMEs. */
  readonly description: string;
  /** The accepted form in words, e.g. `host:port[,host:port…]`; quoted in errors. */
  readonly expected: string;
  /** Parses the trimmed, non-blank text of the variable. */
  readonly schema: z.ZodType<T, string>;
  /** Text used when the variable is unset, parsed like any other value. */
  readonly defaultValue: string | undefined;
  /** Whether the loaded config always has a value for it. */
  readonly required: Required;
  /** Keeps the value out of error messages (tokens, passwords). */
  readonly secret: boolean;
  /** What kind of name the variable holds when its default moves into `TRIBUTARY_NAMESPACE`; undefined when it does not. */
  readonly namespaced: NamespacedKind | undefined;
}

/** Options of {@link envVar}. */
export interface EnvVarOptions<T> {
  /** The variable's name, e.g. `KAFKA_BROKERS`. */
  readonly name: string;
  /** One sentence for `--help` and READMEs. */
  readonly description: string;
  /** The accepted form in words, e.g. `an integer 0–65535`. */
  readonly expected: string;
  /** Parses the trimmed, non-blank text of the variable. */
  readonly schema: z.ZodType<T, string>;
  /** Text used when the variable is unset or blank. Default: none (the variable must be set, unless `optional`). */
  readonly default?: string;
  /** Whether the variable may stay unset with no default. Default: false. */
  readonly optional?: boolean;
  /** Keeps the value out of error messages. Default: false. */
  readonly secret?: boolean;
  /**
   * The kind of name the variable holds, when its default must move into the
   * namespace of `TRIBUTARY_NAMESPACE` (a value set explicitly is used as
   * given). Default: none (the default is the same in every namespace).
   */
  readonly namespaced?: NamespacedKind;
}

/** Declares a variable that may stay unset; the loaded config then has no key for it. */
export function envVar<T>(options: EnvVarOptions<T> & { readonly optional: true; readonly default?: never }): EnvVar<T, false>;
/** Declares a variable that always has a value: it must be set, or it has a default. */
export function envVar<T>(options: EnvVarOptions<T>): EnvVar<T, true>;
export function envVar<T>(options: EnvVarOptions<T>): EnvVar<T, boolean> {
  return {
    kind: 'env-var',
    name: options.name,
    description: options.description,
    expected: options.expected,
    schema: options.schema,
    defaultValue: options.default,
    required: options.default !== undefined || options.optional !== true,
    secret: options.secret ?? false,
    namespaced: options.namespaced,
  };
}

/** Whether a schema node is a variable (as opposed to a group of them). */
export function isEnvVar(node: unknown): node is EnvVar<unknown, boolean> {
  return typeof node === 'object' && node !== null && (node as { kind?: unknown }).kind === 'env-var';
}
