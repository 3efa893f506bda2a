import type { KafkaConnectionOptions } from '@tributary/kafka';
import type { TracingSettings } from '@tributary/observability';
import type { EncodedLogs } from './prediction-log-encoder.js';

/** What the prediction-log thread is started with (its `workerData`). */
export interface PredictionLogThreadSettings {
  /** Its own Kafka client is made from these. */
  readonly connection: KafkaConnectionOptions;
  /** `predictions.logged`'s name. */
  readonly topic: string;
  /** Logs it keeps while Kafka cannot take them. */
  readonly maxBuffered: number;
  /** Longest a log waits there before it is sent, in ms. */
  readonly flushIntervalMs: number;
  /** Logs per send at most. */
  readonly maxBatch: number;
  /** Producers it sends with, each with one send in flight (see `PredictionLoggerOptions.producers`). */
  readonly producers: number;
  /** Its log lines' minimum level: the pipeline logger's. */
  readonly logLevel: string;
  /** The process's tracing, when started: the thread exports its producer spans the same way. */
  readonly tracing?: TracingSettings;
}

/** Messages to the prediction-log thread. */
export type ToPredictionLogThread =
  /** Encoded logs back to back (see `EncodedLogs`), buffers transferred: log `i` keyed by `keys[i]`, with its request's W3C trace headers in `carriers[i]`. */
  | (EncodedLogs & { readonly type: 'logs'; readonly keys: readonly string[]; readonly carriers: readonly Record<string, string>[] })
  /** Send what is buffered (one try), then answer `closed`. */
  | { readonly type: 'close' };

/** Messages from the prediction-log thread. */
export type FromPredictionLogThread =
  | { readonly type: 'outcome'; readonly outcome: 'sent' | 'send_failed' | 'dropped'; readonly count: number }
  | { readonly type: 'closed' };
