import { accessSync, constants, statSync } from 'node:fs';
import { z } from 'zod';

/**
 * Schemas that turn the text of an environment variable into a typed value.
 * Each one's error message says what was wrong; {@link envVar} pairs it with
 * the accepted form in words.
 */

/** A TCP port, 0–65535 (0 asks the OS for a free one). */
export const portSchema: z.ZodType<number, string> = z
  .string()
  .regex(/^\d+$/, 'not a whole number')
  .transform(Number)
  .pipe(z.number().int().max(65_535, 'above 65535'));

/** A whole number ≥ 1, e.g. a duration in ms or a size. */
export const positiveIntSchema: z.ZodType<number, string> = z
  .string()
  .regex(/^\d+$/, 'not a whole number')
  .transform(Number)
  .pipe(z.number().int().min(1, 'must be at least 1').max(Number.MAX_SAFE_INTEGER, 'too large'));

/** `true`/`false` (also `1`/`0`, `yes`/`no`), case-insensitive. */
export const booleanSchema: z.ZodType<boolean, string> = z
  .string()
  .transform((text) => text.toLowerCase())
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'not true or false' }))
  .transform((text) => text === 'true' || text === '1' || text === 'yes');

/**
 * A namespace: lower-case letters, digits and `_`, starting with a letter, at
 * most 32 characters — legal in a Kafka topic, a ClickHouse identifier, a
 * Redis key and a file name alike.
 */
export const namespaceSchema: z.ZodType<string, string> = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'not lower-case letters, digits and _ starting with a letter')
  .max(32, 'longer than 32 characters');

/** Non-blank text. */
export const textSchema: z.ZodType<string, string> = z.string().min(1, 'blank');

/** A comma-separated list of names (blanks between commas dropped), at least one. */
export const nameListSchema: z.ZodType<string[], string> = z
  .string()
  .transform((text) => text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== ''))
  .pipe(z.array(z.string()).min(1, 'no name given'));

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*):(\d{1,5})$/;

/** A comma-separated list of `host:port` (IPv6 hosts in brackets), e.g. Kafka bootstrap brokers. */
export const hostPortListSchema: z.ZodType<string[], string> = z
  .string()
  .transform((text) => text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== ''))
  .pipe(
    z
      .array(
        z.string().refine((entry) => {
          const port = HOST_PORT.exec(entry)?.[2];
          return port !== undefined && Number(port) >= 1 && Number(port) <= 65_535;
        }, 'not host:port'),
      )
      .min(1, 'no host:port given'),
  );

/** A URL whose scheme is one of `protocols` (with the colon, e.g. `redis:`). */
export function urlSchema(protocols: readonly string[]): z.ZodType<string, string> {
  return z.string().refine((text) => {
    try {
      return protocols.includes(new URL(text).protocol);
    } catch {
      return false;
    }
  }, `not a ${protocols.map((protocol) => protocol.replace(':', '://')).join(' or ')} URL`);
}

/** The levels the logger knows. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A log level, one of {@link LOG_LEVELS}, case-insensitive. */
export const logLevelSchema: z.ZodType<(typeof LOG_LEVELS)[number], string> = z
  .string()
  .transform((text) => text.toLowerCase())
  .pipe(z.enum(LOG_LEVELS, { error: 'not a log level' }));

/** A path to a file this process can read (certificates, keys). */
export const readableFileSchema: z.ZodType<string, string> = z.string().refine((path) => {
  try {
    accessSync(path, constants.R_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}, 'no readable file there');
