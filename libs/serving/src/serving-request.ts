/** A departing flight to predict for: its airport and route features are read online. */
export interface FlightQuery {
  /** Origin airport code, e.g. `ORD`. */
  readonly origin: string;
  /** Destination airport code, e.g. `LAX`. */
  readonly destination: string;
  /** Departure, ms since the epoch, in the origin's local time written as UTC (as the data set records it). */
  readonly departureTimeMs: number;
  /** Great-circle distance of the route, in miles. */
  readonly distanceMiles: number;
}

/**
 * One prediction asked of the pipeline. The feature row comes from exactly
 * one of: `vector` (a whole row, nothing read online), or `flight` and/or
 * `features`/`categorical` (values by name; request values win over online
 * ones; what is still missing takes the model's declared default).
 */
export interface ServingRequest {
  /** Model to ask, e.g. `flight-delay`. */
  readonly model: string;
  /** Alias to serve from. Default `champion`; a canary share of `champion` traffic may be routed to `challenger`. */
  readonly alias?: string;
  /** An explicit loaded version (KServe `/versions/{v}`); wins over `alias`, never routed by the canary. */
  readonly version?: number;
  /** The flight; its airport and route features are read from the online store, its own attributes computed. */
  readonly flight?: FlightQuery;
  /** Numeric values by feature name (e.g. `origin.out_late_share_1h`); finite numbers only; they win over online values. */
  readonly features?: Readonly<Record<string, number>>;
  /** Categorical values by feature name as codes, e.g. `{ origin_code: 'ORD' }`, encoded as training did. */
  readonly categorical?: Readonly<Record<string, string>>;
  /** A whole row in the model's feature order (KServe tensors): no online read. NaN means missing (the declared default); ±Infinity is refused. */
  readonly vector?: Float32Array;
  /** Canary stickiness: the same key always goes to the same alias. Default: the flight's route, else `requestId`. */
  readonly entityKey?: string;
  /** Id of the `flight.departed` event this prediction answers; logged so the drift monitor can join the outcome. */
  readonly eventId?: string;
  /** The caller's id for the request; logged and echoed. */
  readonly requestId: string;
  /** Absolute deadline, ms on the `Date.now()` clock: nothing waits past it (queue, online read, fallbacks). */
  readonly deadlineAtMs: number;
  /** Also explain the answer (per-feature contributions); off by default, it costs far more than the prediction. */
  readonly explain?: boolean;
  /** W3C trace id logged with the prediction. Default: the active span's, if any. */
  readonly traceId?: string;
}
