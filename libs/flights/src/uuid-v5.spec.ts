import { describe, expect, it } from 'vitest';
import { flightEventId, uuidV5 } from './index.js';

const NAMESPACE_DNS = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const NAMESPACE_URL = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

describe('uuidV5()', () => {
  it('matches the RFC 9562 example for www.example.com', () => {
    expect(uuidV5(NAMESPACE_DNS, 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('hashes long multi-byte names as UTF-8, like other implementations', () => {
    // Expected value from Python's uuid.uuid5(uuid.NAMESPACE_URL, 'é' * 400).
    expect(uuidV5(NAMESPACE_URL, 'é'.repeat(400))).toBe('11a5e8f6-1de3-5efd-b544-8faf46b27770');
  });
});

describe('flightEventId()', () => {
  it('is a version 5 UUID of the type and flight key', () => {
    // Expected value from Python's uuid.uuid5(<flights namespace>, 'flight.departed/20010101T0001-LAS-PHL-1').
    expect(flightEventId('flight.departed', '20010101T0001-LAS-PHL-1')).toBe('b5f2a607-06b9-56d5-83e2-7f89321d8b7b');
  });

  it('differs between the two events of one flight', () => {
    const key = '20010101T0001-LAS-PHL-1';
    expect(flightEventId('flight.departed', key)).not.toBe(flightEventId('flight.arrived', key));
  });
});
