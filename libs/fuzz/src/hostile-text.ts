import fc from 'fast-check';

/** Strings that have broken parsers before: empty, blank, control characters, lone surrogates, paths, very long. */
const NOTORIOUS = ['', ' ', '\t\n', '\u0000', 'null', 'undefined', '-1', 'NaN', '1e309', '\uD800', '\uDFFF\uD800', '../../etc/passwd', 'a\u0000b', '💥🔥', 'x'.repeat(10_000), '%s%n', '${x}', '__proto__', 'constructor'];

/** Options of {@link hostileText}. */
export interface HostileTextOptions {
  /** Longest generated string (the notorious ones may be longer). Default 64. */
  readonly maxLength?: number;
}

/**
 * Text an edge must survive: any UTF-16 (lone surrogates included), any
 * Unicode, printable ASCII, and a list of notorious values. For identifiers
 * such as model names, event ids and aliases.
 */
export function hostileText(options: HostileTextOptions = {}): fc.Arbitrary<string> {
  const maxLength = options.maxLength ?? 64;
  return fc.oneof(
    fc.constantFrom(...NOTORIOUS),
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength }),
  );
}
