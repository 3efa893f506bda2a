import { ModelRegistryService, ModelLifecycleEventType, type ModelLifecycleEvent } from '@tributary/contracts';
import { createGrpcChannel, createGrpcClient, operatorIdentity } from '@tributary/grpc';
import { platformPrincipals, readSecureClientEnvFile, type LocalServiceDefinition } from '@tributary/infra';
import { createGrpcRegistryClient } from '@tributary/model-registry/client';
import { CHAMPION_RECOMMENDATION, TRAINER_TAGS } from '@tributary/training';
import { operatorChannelSecurity } from './operator-channel.js';

/** The environments of `tributary demo --secure`: each service's own principal, and the operator's for the demo itself. */
export interface SecureDemoEnv {
  /** A service's environment: `base` with its own principal's `<home>/secrets/<service>.env` on top, and no one else's credentials. */
  envFor(service: LocalServiceDefinition): NodeJS.ProcessEnv;
  /** The `operator` principal's variables, which the demo's own clients run with. */
  readonly operator: Readonly<Record<string, string>>;
}

/**
 * Reads the env files `tributary infra up --secure` wrote under `home` for
 * every service of `services` and for `operator`. `base` is what every
 * service gets besides (the demo's settings, PATH, the namespace); the
 * credentials in it are replaced by the service's own, since every file sets
 * the same variables. Throws when a service has no principal or no file.
 */
export async function secureDemoEnv(home: string, services: readonly LocalServiceDefinition[], base: NodeJS.ProcessEnv): Promise<SecureDemoEnv> {
  const own = new Map<string, Record<string, string>>();
  for (const { name } of services) {
    if (platformPrincipals[name] === undefined) throw new TypeError(`service ${name} has no principal of its own in platformPrincipals`);
    own.set(name, await readSecureClientEnvFile(home, name));
  }
  const operator = await readSecureClientEnvFile(home, operatorIdentity);
  return {
    envFor: (service) => ({ ...base, ...own.get(service.name) }),
    operator,
  };
}

/**
 * `ingestion         as principal ingestion: Kafka, Redis and ClickHouse user ingestion, certificate …/ingestion-cert.pem`:
 * who a service runs as, from its environment.
 */
export function formatServicePrincipal(name: string, env: NodeJS.ProcessEnv): string {
  const kafka = env['KAFKA_SASL_USERNAME'] ?? 'none';
  const clickhouse = env['CLICKHOUSE_USER'] ?? 'default';
  const redisUrl = env['REDIS_URL'] ?? '';
  const redis = (URL.canParse(redisUrl) && decodeURIComponent(new URL(redisUrl).username)) || 'default';
  const users = kafka === clickhouse && clickhouse === redis ? `Kafka, Redis and ClickHouse user ${kafka}` : `Kafka user ${kafka}, Redis user ${redis}, ClickHouse user ${clickhouse}`;
  return `${name.padEnd(18)}as principal ${name}: ${users}, certificate ${env['TLS_CERT_FILE'] ?? 'none'}`;
}

/**
 * Whether a lifecycle event is the trainer moving `challenger` to a primary
 * version its promotion policy recommends as champion: the reason it gives
 * then carries CHAMPION_RECOMMENDATION of @tributary/training. Under security
 * only an operator moves `champion`, so the trainer stops there.
 */
export function recommendedForChampion(event: ModelLifecycleEvent): boolean {
  return (
    event.type === ModelLifecycleEventType.ALIAS_SET &&
    event.alias === 'challenger' &&
    event.modelVersion?.tags[TRAINER_TAGS.role] === 'primary' &&
    event.reason.includes(CHAMPION_RECOMMENDATION)
  );
}

/**
 * Moves `champion` to the version of a {@link recommendedForChampion} event,
 * as the operator (mutual TLS with the operator certificate of the process's
 * environment), by compare-and-set against the champion it finds: what a
 * person approving the trainer's recommendation does with `tributary model promote`.
 */
export async function promoteAsOperator(registryAddress: string, event: ModelLifecycleEvent): Promise<void> {
  const channel = createGrpcChannel({ address: registryAddress, timeoutMs: 10_000, ...operatorChannelSecurity({}) });
  try {
    const registry = createGrpcRegistryClient(createGrpcClient(ModelRegistryService, channel), { timeoutMs: 10_000 });
    const champion = await registry.getByAlias(event.modelName, 'champion');
    if (champion !== undefined && champion.version >= event.version) return;
    const recommendation = event.reason.slice(event.reason.indexOf(CHAMPION_RECOMMENDATION));
    await registry.setAlias({
      modelName: event.modelName,
      alias: 'champion',
      version: event.version,
      expectedVersion: champion?.version ?? 0,
      actor: 'tributary-demo (operator)',
      reason: `operator approved the trainer, which ${recommendation}`,
    });
  } finally {
    channel.close();
  }
}
