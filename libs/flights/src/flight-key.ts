/**
 * The key of one flight: departure minute (naive local time), route, and the
 * flight's rank among flights of that route departing in that minute
 * (1-based; the dataset has up to 3 such flights and no flight number), e.g.
 * `20010101T0001-LAS-PHL-1`. Stable across replays and slices, because a
 * slice never splits a minute's flights except at its end, and rows keep
 * their file order within a minute.
 */
export function flightKey(departureTimeMs: number, origin: string, destination: string, rank: number): string {
  return joinKey(minuteStamp(departureTimeMs), origin, destination, rank);
}

/**
 * Gives consecutive flights in departure order their keys, counting ranks
 * per route within each minute; formats each minute's stamp once.
 */
export class FlightKeys {
  #minute = Number.NaN;
  #stamp = '';
  readonly #ranks = new Map<string, number>();

  next(departureTimeMs: number, origin: string, destination: string): string {
    const minute = Math.floor(departureTimeMs / 60_000);
    if (minute !== this.#minute) {
      this.#minute = minute;
      this.#stamp = minuteStamp(departureTimeMs);
      this.#ranks.clear();
    }
    const route = `${origin}-${destination}`;
    const rank = (this.#ranks.get(route) ?? 0) + 1;
    this.#ranks.set(route, rank);
    return joinKey(this.#stamp, origin, destination, rank);
  }
}

/** `20010101T0001` for 2001-01-01 00:01 (the time is read as UTC: it is naive local time). */
function minuteStamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}`;
}

function joinKey(stamp: string, origin: string, destination: string, rank: number): string {
  return `${stamp}-${origin}-${destination}-${rank}`;
}
