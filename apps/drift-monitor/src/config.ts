import {
  clickhouseEnv,
  clickhouseSchemaEnv,
  consumerGroupEnv,
  envVar,
  kafkaConsumerEnv,
  kafkaEnv,
  positiveIntSchema,
  registryClientEnv,
  serviceBaseEnv,
  textSchema,
  topicNameEnv,
  withGroupCheck,
  type ConfigOf,
} from '@tributary/config';
import { topics } from '@tributary/kafka';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A number in (0, 1]. */
const shareSchema = textSchema.transform(Number).refine((value) => value > 0 && value <= 1, 'not a number in (0, 1]');
/** A whole number ≥ 0, e.g. a duration that 0 turns off. */
const wholeSchema = textSchema.transform(Number).refine((value) => Number.isSafeInteger(value) && value >= 0, 'not a whole number ≥ 0');

const ms = (name: string, description: string, defaultMs: number, schema: typeof positiveIntSchema | typeof wholeSchema = positiveIntSchema) =>
  envVar({ name, description, expected: schema === wholeSchema ? 'a whole number of milliseconds ≥ 0' : 'a whole number of milliseconds ≥ 1', schema, default: String(defaultMs) });
const share = (name: string, description: string, value: number) => envVar({ name, description, expected: 'a number in (0, 1]', schema: shareSchema, default: String(value) });
const count = (name: string, description: string, value: number) => envVar({ name, description, expected: 'a whole number ≥ 1', schema: positiveIntSchema, default: String(value) });

/**
 * The drift monitor's environment. Ports default to 15056 (gRPC) and 9469
 * (ops). Durations of windows, lateness and cooldown are EVENT time (the
 * flights' departure times), so a replay decides as the live stream would.
 */
export const driftMonitorConfigSchema = {
  ...serviceBaseEnv({ grpcPort: 15_056, opsPort: 9469 }),
  kafka: { ...kafkaEnv({ clientId: 'drift-monitor' }), ...kafkaConsumerEnv() },
  clickhouse: { ...clickhouseEnv(), ...clickhouseSchemaEnv() },
  topics: {
    predictions: topicNameEnv('DRIFT_PREDICTIONS_TOPIC', 'Topic of the prediction logs watched.', topics.predictionsLogged.name),
    events: topicNameEnv('DRIFT_EVENTS_TOPIC', 'Topic of the validated events whose flight.departed and flight.arrived give each prediction its event time and outcome.', topics.eventsValidated.name),
    lifecycle: topicNameEnv('DRIFT_LIFECYCLE_TOPIC', 'Topic of the registry lifecycle events: a version registered for a request ends that request’s flight.', topics.modelLifecycle.name),
    reports: topicNameEnv('DRIFT_REPORTS_TOPIC', 'Topic the reports that raised an alarm go to.', topics.driftDetected.name),
    trainingRequests: topicNameEnv('DRIFT_TRAINING_TOPIC', 'Topic the training requests go to.', topics.trainingRequested.name),
    dlq: topicNameEnv('DRIFT_DLQ_TOPIC', 'Dead-letter topic of records that cannot be read.', topics.eventsDlq.name),
  },
  groupId: consumerGroupEnv('DRIFT_GROUP_ID', 'Kafka consumer group of the monitor (one per topic: <group>.predictions, <group>.events, <group>.lifecycle).', 'drift-monitor'),
  registry: registryClientEnv({ uses: 'reference profiles and holdout AUC' }),
  drift: withGroupCheck(
    {
      windowSizeMs: ms('DRIFT_WINDOW_SIZE_MS', 'Length of a window, event time, ms (28 days: over a month the late share is steady enough to judge calibration).', 28 * DAY_MS),
      windowStepMs: ms('DRIFT_WINDOW_STEP_MS', 'Step between window starts, ms; equal to DRIFT_WINDOW_SIZE_MS for tumbling windows, shorter for sliding ones.', 7 * DAY_MS),
      allowedLatenessMs: ms('DRIFT_ALLOWED_LATENESS_MS', 'How far the newest flight event must be past a window’s end before it is reported, ms (most outcomes are in by then).', 6 * HOUR_MS, wholeSchema),
      lateUpdateHorizonMs: ms('DRIFT_LATE_UPDATE_HORIZON_MS', 'Reported windows that ended this recently are re-counted; late predictions or outcomes re-report them as a new revision, ms.', 3 * DAY_MS, wholeSchema),
      evaluateIntervalMs: ms('DRIFT_EVALUATE_INTERVAL_MS', 'Wall-clock time between two passes that close and update windows, ms.', 5000),
      calibrationGap: share('DRIFT_CALIBRATION_GAP', 'Alarm when |observed − mean predicted| late share reaches this (once DRIFT_MIN_LABELLED outcomes are known).', 0.04),
      aucDrop: share('DRIFT_AUC_DROP', 'Alarm when the realised AUC falls this far below the version’s holdout AUC.', 0.05),
      minLabelled: count('DRIFT_MIN_LABELLED', 'Outcomes a window needs before calibration and AUC are judged.', 1000),
      minSamples: count('DRIFT_MIN_SAMPLES', 'Predictions a window needs before feature, dataset and prediction drift are judged.', 1000),
      largeSampleSize: count('DRIFT_LARGE_SAMPLE_SIZE', 'Windows with more predictions are judged by effect size (normed Wasserstein, Jensen–Shannon), smaller ones by KS / chi² p-values.', 1000),
      wassersteinNormed: share('DRIFT_WASSERSTEIN_NORMED', 'Effect size from which a numeric feature (and the prediction) drifted: Wasserstein distance in reference standard deviations (a day of flights moves 0.43 of them in the median ordinary day).', 1),
      jensenShannon: share('DRIFT_JENSEN_SHANNON', 'Jensen–Shannon distance from which a categorical feature drifted.', 0.2),
      pValue: share('DRIFT_P_VALUE', 'p-value below which a feature of a small window drifted.', 0.05),
      driftShare: share('DRIFT_SHARE', 'Share of drifted features from which the dataset drifted.', 0.5),
      cooldownMs: ms('DRIFT_COOLDOWN_MS', 'Event time after a training request during which no other is made for the model, ms.', 7 * DAY_MS, wholeSchema),
      requestTimeoutMs: ms('DRIFT_REQUEST_TIMEOUT_MS', 'Wall-clock time after which a request no version answered stops counting as in flight, ms.', 6 * HOUR_MS),
      scheduleIntervalMs: ms('DRIFT_SCHEDULE_INTERVAL_MS', 'Scheduled retraining (push): event time between two requests of a model, ms; 0 turns it off.', 0, wholeSchema),
      trainingWindowMs: ms('DRIFT_TRAINING_WINDOW_MS', 'Event time the requested training window spans, ending at the triggering window’s end, ms.', 28 * DAY_MS),
    },
    (group) =>
      group.windowStepMs !== undefined && group.windowSizeMs !== undefined && group.windowStepMs > group.windowSizeMs
        ? [{ variable: 'DRIFT_WINDOW_STEP_MS', message: `must not exceed DRIFT_WINDOW_SIZE_MS (${group.windowSizeMs})` }]
        : [],
  ),
};

/**
 * The flight features that cycle, with their periods: a window shorter than a
 * period reports such a feature but never flags it (a daily window holds one
 * weekday, its training fortnight all seven).
 */
export const FLIGHT_PERIODIC_FEATURES: Readonly<Record<string, number>> = { day_of_week: 7 * DAY_MS, hour_of_day: DAY_MS };

/** The drift monitor's loaded configuration. */
export type DriftMonitorConfig = ConfigOf<typeof driftMonitorConfigSchema>;
