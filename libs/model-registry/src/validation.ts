import { InvalidRegistryArgumentError } from './errors.js';
import { ALIASES, type Alias } from './model-version.js';

/**
 * Lowercase letters, digits, `.`, `_` and `-`, starting with a letter or
 * digit, at most 64 characters: safe in Redis keys, topic keys, file names and URLs.
 */
const MODEL_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Throws {@link InvalidRegistryArgumentError} unless `name` is a valid model name. */
export function assertModelName(name: string, field = 'modelName'): void {
  if (!MODEL_NAME.test(name)) {
    throw new InvalidRegistryArgumentError(field, `"${name}" is not a model name (1–64 of a-z 0-9 . _ -, starting with a letter or digit)`);
  }
}

/** Throws unless `sha256` is 64 lowercase hex digits. */
export function assertSha256(sha256: string, field = 'sha256'): void {
  if (sha256 === '') throw new InvalidRegistryArgumentError(field, 'is required');
  if (!SHA256_HEX.test(sha256)) throw new InvalidRegistryArgumentError(field, `"${sha256}" is not 64 lowercase hex digits`);
}

/** Throws unless `version` is a positive integer. */
export function assertVersion(version: number, field = 'version'): void {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new InvalidRegistryArgumentError(field, `${version} is not a version number (a positive integer)`);
  }
}

/** Narrows `alias` to an {@link Alias} or throws. */
export function assertAlias(alias: string, field = 'alias'): asserts alias is Alias {
  if (!(ALIASES as readonly string[]).includes(alias)) {
    throw new InvalidRegistryArgumentError(field, `"${alias}" is not one of ${ALIASES.join(', ')}`);
  }
}

/** Throws unless `value` has visible characters; who and why are never optional in an audit trail. */
export function assertNonBlank(value: string, field: string): void {
  if (value.trim() === '') throw new InvalidRegistryArgumentError(field, 'is required');
}

/** Throws unless every metric is a finite number (NaN would not survive JSON). */
export function assertFiniteMetrics(metrics: Readonly<Record<string, number>>, field = 'metrics'): void {
  for (const [name, value] of Object.entries(metrics)) {
    if (name === '') throw new InvalidRegistryArgumentError(field, 'metric names must not be empty');
    if (!Number.isFinite(value)) throw new InvalidRegistryArgumentError(`${field}.${name}`, `${value} is not a finite number`);
  }
}
