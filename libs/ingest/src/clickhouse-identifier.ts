import { InvalidIdentifierError } from './errors.js';

/**
 * Returns the name if it is a plain identifier (letters, digits, underscore;
 * not starting with a digit), the only kind accepted for databases and tables:
 * such a name needs no quoting wherever the client writes it.
 *
 * @throws InvalidIdentifierError otherwise.
 */
export function plainIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name)) throw new InvalidIdentifierError(name);
  return name;
}
