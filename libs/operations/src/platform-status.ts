import { fetchConsumerLag, type ConsumerGroupLag } from '@tributary/kafka';
import type { RegistryClient } from '@tributary/model-registry/client';
import type { Kafka } from 'kafkajs';
import { collectModelStatus, type ModelStatus, type ServedVersionsSource } from './model-status.js';
import { probeService, type BreakerStatus, type ServiceEndpoint, type ServiceStatus } from './probe-service.js';

/** Options of {@link collectPlatformStatus}. */
export interface PlatformStatusOptions {
  /** The services whose ops servers to ask. */
  readonly services: readonly ServiceEndpoint[];
  /** The cluster the consumer groups live in. Default: no lag is reported. */
  readonly kafka?: Kafka;
  /** Consumer groups whose lag to report. Default: none. */
  readonly groupIds?: readonly string[];
  /** Models whose aliases and served versions to report. Default: none. */
  readonly models?: readonly string[];
  /** The registry the aliases are read from. Default: aliases are not reported. */
  readonly registry?: RegistryClient;
  /** What the inference service has loaded. Default: served versions are not reported. */
  readonly servedVersions?: ServedVersionsSource;
  /** How long each ops request may take, in ms. Default 3 000. */
  readonly timeoutMs?: number;
}

/** Consumer lag as reported, or why it could not be. */
export type ConsumerLagStatus = { readonly groups: readonly ConsumerGroupLag[] } | { readonly error: string };

/** Everything `tributary status` shows, and what is wrong. */
export interface PlatformStatus {
  readonly checkedAt: Date;
  readonly services: readonly ServiceStatus[];
  readonly consumerLag: ConsumerLagStatus;
  readonly models: readonly ModelStatus[];
  /** Every breaker of every service that answered. */
  readonly breakers: readonly BreakerStatus[];
  /** What an operator must look at, one sentence each; empty when all is well. */
  readonly problems: readonly string[];
}

/**
 * Asks every part of a running platform how it is — each service's health,
 * readiness, version and breakers, each consumer group's lag, each model's
 * aliases and the versions inference serves — in parallel, and lists the
 * problems: a service down or not ready, a breaker open or half-open, a
 * consumer group with records waiting and nobody consuming, Kafka or the
 * registry unreachable, a champion that inference does not serve. Never throws
 * for a part that does not answer: that part is the problem reported.
 */
export async function collectPlatformStatus(options: PlatformStatusOptions): Promise<PlatformStatus> {
  const groupIds = options.groupIds ?? [];
  const probeOptions = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  const [services, consumerLag, models] = await Promise.all([
    Promise.all(options.services.map((service) => probeService(service, probeOptions))),
    lagOf(options.kafka, groupIds),
    collectModelStatus(options.models ?? [], options.registry, options.servedVersions),
  ]);
  const breakers = services.flatMap((service) => service.breakers);
  return { checkedAt: new Date(), services, consumerLag, models, breakers, problems: problemsOf(services, consumerLag, models, breakers) };
}

async function lagOf(kafka: Kafka | undefined, groupIds: readonly string[]): Promise<ConsumerLagStatus> {
  if (!kafka || groupIds.length === 0) return { groups: [] };
  try {
    return { groups: await fetchConsumerLag({ kafka, groupIds }) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

function problemsOf(
  services: readonly ServiceStatus[],
  consumerLag: ConsumerLagStatus,
  models: readonly ModelStatus[],
  breakers: readonly BreakerStatus[],
): string[] {
  const problems: string[] = [];
  for (const service of services) if (!service.ready) problems.push(`${service.name} is ${service.reason ?? 'not ready'}`);
  for (const breaker of breakers) {
    if (breaker.state !== 'closed') problems.push(`${breaker.service}: breaker ${breaker.breaker} is ${breaker.state} (its dependency is failing)`);
  }
  if ('error' in consumerLag) problems.push(`consumer lag unknown: ${consumerLag.error}`);
  else {
    for (const group of consumerLag.groups) {
      // Lag with members is work in progress; lag with nobody in the group only grows.
      if (group.members === 0 && group.totalLag > 0n) problems.push(`consumer group ${group.groupId} has ${group.totalLag} record(s) waiting and no consumer`);
    }
  }
  for (const model of models) {
    if (model.registryError !== undefined) problems.push(`${model.model}: the registry did not answer (${model.registryError})`);
    if (model.servedError !== undefined) problems.push(`${model.model}: the inference service did not say what it serves (${model.servedError})`);
    const champion = model.aliases['champion'];
    if (champion !== undefined && model.served && !model.served.some((served) => served.version === champion)) {
      problems.push(`${model.model}: champion is v${champion} but inference serves ${model.served.map((served) => `v${served.version}`).join(', ') || 'no version'}`);
    }
  }
  return problems;
}
