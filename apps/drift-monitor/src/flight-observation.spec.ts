import { arrivedEvent, departedEvent, readFlights, toEventMessage } from '@tributary/flights';
import { describe, expect, it } from 'vitest';
import { flightObservation } from './flight-observation.js';

describe('flightObservation()', () => {
  it('gives a departure and its arrival one id, the departure event’s, and the arrival the late label', async () => {
    let checked = 0;
    for await (const flight of readFlights({ fromMs: Date.UTC(2001, 0, 2), toMs: Date.UTC(2001, 0, 2, 1) })) {
      const departed = departedEvent(flight);
      const arrived = arrivedEvent(flight);
      const departure = flightObservation(toEventMessage(departed));
      const arrival = flightObservation(toEventMessage(arrived));
      expect(departure).toEqual({ departedEventId: departed.eventId, departureTimeMs: departed.departureTimeMs, eventTimeMs: departed.eventTimeMs });
      expect(arrival).toEqual({
        departedEventId: departed.eventId,
        departureTimeMs: departed.departureTimeMs,
        eventTimeMs: arrived.eventTimeMs,
        outcome: flight.arrivalDelayMinutes >= 15 ? 1 : 0,
      });
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });
});
