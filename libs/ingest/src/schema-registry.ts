import { DuplicateEventSchemaError } from './errors.js';
import type { EventTypeSchema } from './event-type-schema.js';

/** The event types ingestion knows, each with its schema. */
export interface SchemaRegistry {
  /** The schema of a type; undefined for an unknown type. */
  get(type: string): EventTypeSchema | undefined;
  /** Registered types, in registration order. */
  readonly types: readonly string[];
}

/**
 * A registry of the given schemas.
 *
 * @throws DuplicateEventSchemaError when two schemas share a type.
 */
export function createSchemaRegistry(schemas: Iterable<EventTypeSchema>): SchemaRegistry {
  const byType = new Map<string, EventTypeSchema>();
  for (const schema of schemas) {
    if (byType.has(schema.type)) throw new DuplicateEventSchemaError(schema.type);
    byType.set(schema.type, schema);
  }
  return { get: (type) => byType.get(type), types: [...byType.keys()] };
}
