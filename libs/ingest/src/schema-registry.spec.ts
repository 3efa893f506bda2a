import { describe, expect, it } from 'vitest';
import { DuplicateEventSchemaError, createSchemaRegistry, flightArrivedSchema, flightDepartedSchema, flightEventSchemas } from './index.js';

describe('createSchemaRegistry()', () => {
  it('finds registered types and nothing else', () => {
    const registry = createSchemaRegistry(flightEventSchemas);
    expect(registry.types).toEqual(['flight.departed', 'flight.arrived']);
    expect(registry.get('flight.arrived')).toBe(flightArrivedSchema);
    expect(registry.get('flight.cancelled')).toBeUndefined();
  });

  it('refuses two schemas for one type', () => {
    expect(() => createSchemaRegistry([flightDepartedSchema, flightDepartedSchema])).toThrow(DuplicateEventSchemaError);
  });
});
