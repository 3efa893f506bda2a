import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { Event } from '@tributary/contracts';
import type { FlightObservation } from '@tributary/drift';
import { LATE_ARRIVAL_MINUTES } from '@tributary/features';
import { FLIGHT_DEPARTED, flightEventId } from '@tributary/flights';

/**
 * What a validated event tells the monitor about a flight: a departure gives
 * the event time of the prediction that names it; an arrival gives its
 * outcome — late when it arrived at least {@link LATE_ARRIVAL_MINUTES} late,
 * the trainer's label rule — under the id of the flight's departure event,
 * which both events derive from the flight key. Undefined for other events.
 */
export function flightObservation(event: Event): FlightObservation | undefined {
  const eventTimeMs = event.eventTime ? timestampMs(event.eventTime) : undefined;
  const { payload } = event;
  if (payload.case === 'flightDeparted' && payload.value.departureTime) {
    const departureTimeMs = timestampMs(payload.value.departureTime);
    return { departedEventId: event.eventId, departureTimeMs, eventTimeMs: eventTimeMs ?? departureTimeMs };
  }
  if (payload.case === 'flightArrived' && payload.value.departureTime && payload.value.flightKey !== '') {
    const departureTimeMs = timestampMs(payload.value.departureTime);
    return {
      departedEventId: flightEventId(FLIGHT_DEPARTED, payload.value.flightKey),
      departureTimeMs,
      eventTimeMs: eventTimeMs ?? (payload.value.arrivalTime ? timestampMs(payload.value.arrivalTime) : departureTimeMs),
      outcome: payload.value.arrivalDelayMinutes >= LATE_ARRIVAL_MINUTES ? 1 : 0,
    };
  }
  return undefined;
}
