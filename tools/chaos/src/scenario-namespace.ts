/**
 * Names of one scenario's data on the stack — topics, consumer groups,
 * databases, key prefixes — so scenarios never see each other's records, and
 * the environment that points each service at them.
 */
import type { FleetServiceName, ServicePorts } from './service-fleet.js';

/** One scenario's names. */
export interface ScenarioNamespace {
  readonly rawTopic: string;
  readonly validatedTopic: string;
  readonly dlqTopic: string;
  readonly trainingTopic: string;
  readonly ingestionGroup: string;
  readonly featuresGroup: string;
  /** Database of the stream's raw events and offline features. */
  readonly database: string;
  /** Scratch database of the reference backfill. */
  readonly referenceDatabase: string;
  readonly featuresPrefix: string;
  readonly referencePrefix: string;
  /** Consumer group of a service. */
  serviceGroup(service: FleetServiceName): string;
  /** The service's settings that use these names (topics, group, prefixes; the registry's address for the trainer). */
  serviceEnv(service: FleetServiceName, registry?: ServicePorts): NodeJS.ProcessEnv;
}

/** Names for `scenario` in run `runId` (both made of letters, digits and dashes). */
export function scenarioNamespace(runId: string, scenario: string): ScenarioNamespace {
  const dotted = `chaos.${runId}.${scenario}`;
  const underscored = `chaos_${runId}_${scenario}`.replace(/[^A-Za-z0-9_]/g, '_');
  const names = {
    rawTopic: `${dotted}.events.raw`,
    validatedTopic: `${dotted}.events.validated`,
    dlqTopic: `${dotted}.events.dlq`,
    trainingTopic: `${dotted}.training.requested`,
    ingestionGroup: `${dotted}.ingestion`,
    featuresGroup: `${dotted}.feature-pipeline`,
    database: underscored,
    referenceDatabase: `${underscored}_reference`,
    featuresPrefix: `${dotted}:features`,
    referencePrefix: `${dotted}:reference`,
  };
  const serviceGroup = (service: FleetServiceName) => `${dotted}.${service}`;
  return {
    ...names,
    serviceGroup,
    serviceEnv(service, registry) {
      switch (service) {
        case 'ingestion':
          return {
            INGEST_RAW_TOPIC: names.rawTopic,
            INGEST_VALIDATED_TOPIC: names.validatedTopic,
            INGEST_DLQ_TOPIC: names.dlqTopic,
            INGEST_GROUP_ID: names.ingestionGroup,
            INGEST_DEDUP_KEY_PREFIX: `${dotted}:seen:`,
          };
        case 'feature-pipeline':
          return {
            FEATURES_VALIDATED_TOPIC: names.validatedTopic,
            FEATURES_DLQ_TOPIC: names.dlqTopic,
            FEATURES_GROUP_ID: names.featuresGroup,
            FEATURES_REDIS_PREFIX: names.featuresPrefix,
          };
        case 'registry':
          // model.lifecycle keeps its name: `tributary train` follows the request there.
          return { REGISTRY_KEY_PREFIX: `${dotted}:registry` };
        case 'trainer':
          return {
            TRAINER_REQUESTS_TOPIC: names.trainingTopic,
            TRAINER_DLQ_TOPIC: names.dlqTopic,
            TRAINER_GROUP_ID: serviceGroup('trainer'),
            ...(registry ? { REGISTRY_ADDRESS: `127.0.0.1:${registry.grpcPort}` } : {}),
          };
      }
    },
  };
}
