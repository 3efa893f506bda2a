/**
 * The entry of the prediction-log thread: Kafka producers of its own that
 * send the logs the serving pipeline hands it, so that encoding records and
 * talking to the brokers (tens of µs a log in kafkajs) never runs on the
 * event loop that answers requests. Outcomes go back for the metrics; its
 * spans (each record's `create`, each batch's `send`) continue the requests'
 * traces from the W3C headers that come with each log.
 */
import { ROOT_CONTEXT, propagation } from '@opentelemetry/api';
import { parentPort, workerData } from 'node:worker_threads';
import { createKafkaClient, createProducer, topics } from '@tributary/kafka';
import { createLogger, registerTracePropagation, startTracing } from '@tributary/observability';
import type { FromPredictionLogThread, PredictionLogThreadSettings, ToPredictionLogThread } from './prediction-log-protocol.js';
import { createPredictionLogger } from './prediction-logger.js';

const port = parentPort;
if (!port) throw new Error('prediction-log-thread runs only as a worker thread');
const settings = workerData as PredictionLogThreadSettings;
const post = (message: FromPredictionLogThread) => port.postMessage(message);

// The process's tracing when it has one (this thread's `create` and `send` spans are exported as the service's); propagation alone otherwise.
const tracing = settings.tracing ? startTracing(settings.tracing) : undefined;
if (!tracing) registerTracePropagation();
const logger = createLogger({ name: 'prediction-log', level: settings.logLevel });
const kafka = createKafkaClient({ ...settings.connection, logger });
const producers = Array.from({ length: settings.producers }, () => createProducer({ kafka, source: '/tributary/inference', logger }));
const predictionLogger = createPredictionLogger({
  producers,
  topic: { ...topics.predictionsLogged, name: settings.topic },
  maxBuffered: settings.maxBuffered,
  flushIntervalMs: settings.flushIntervalMs,
  maxBatch: settings.maxBatch,
  onOutcome: (outcome, count) => post({ type: 'outcome', outcome, count }),
  logger,
});

port.on('message', (message: ToPredictionLogThread) => {
  if (message.type === 'logs') {
    const { bytes, ends, keys, carriers } = message;
    for (let i = 0; i < ends.length; i++) {
      const traceContext = propagation.extract(ROOT_CONTEXT, carriers[i] ?? {});
      predictionLogger.log({ key: keys[i] as string, value: bytes.subarray(ends[i - 1] ?? 0, ends[i]), traceContext });
    }
    return;
  }
  void predictionLogger
    .close()
    .then(() => Promise.all(producers.map((producer) => producer.close())))
    .then(() => tracing?.shutdown())
    .catch((error: unknown) => logger.warn({ err: error }, 'prediction log producer did not close cleanly'))
    .finally(() => post({ type: 'closed' }));
});
