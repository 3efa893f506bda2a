import { InvalidArgumentError, type Command } from 'commander';
import { GRPCInferenceService, ModelRegistryService } from '@tributary/contracts';
import { createGrpcChannel, createGrpcClient } from '@tributary/grpc';
import { localServiceDefinitions } from '@tributary/infra';
import { createKafkaClient, kafkaBrokersFromEnv } from '@tributary/kafka';
import { createGrpcRegistryClient } from '@tributary/model-registry/client';
import { createLogger } from '@tributary/observability';
import { collectPlatformStatus, formatPlatformStatus, platformStatusJson, serviceEndpoints, servedVersionsFromInference } from '@tributary/operations';
import { operatorChannelSecurity, withOperatorChannelOptions, type OperatorChannelFlags } from './operator-channel.js';
import { platformNames } from './platform-names.js';
import { runAction } from './run-action.js';
import { registryAddress } from './registry-address.js';

/** What `tributary status` is given on its command line. */
export interface StatusCommandOptions extends OperatorChannelFlags {
  readonly host: string;
  readonly service: readonly string[];
  readonly registry: string;
  readonly inference: string;
  readonly brokers: string;
  /** Consumer groups as given; empty means the services' own, in the namespace. */
  readonly group: readonly string[];
  readonly model: readonly string[];
  readonly timeout: number;
  readonly json: boolean;
}

/** The consumer groups the services use by default. */
const serviceGroups = ['ingestion', 'feature-pipeline', 'trainer', 'drift-monitor'];

/** Asks the platform how it is and prints it; 0 when nothing is wrong, 1 otherwise. */
export async function showStatus(options: StatusCommandOptions): Promise<number> {
  const names = platformNames();
  const security = operatorChannelSecurity(options);
  const channel = (address: string) => createGrpcChannel({ address, timeoutMs: options.timeout, ...security });
  const registryChannel = channel(options.registry);
  const inferenceChannel = channel(options.inference);
  const kafka = createKafkaClient({
    clientId: names.kafkaId('tributary-status'),
    brokers: options.brokers.split(',').map((broker) => broker.trim()),
    connectionTimeoutMs: options.timeout,
    requestTimeoutMs: options.timeout,
    logger: createLogger({ name: 'tributary-status', level: 'silent' }),
  });
  try {
    const status = await collectPlatformStatus({
      services: serviceEndpoints(localServiceDefinitions, { host: options.host, overrides: options.service }),
      kafka,
      groupIds: options.group.length > 0 ? options.group : serviceGroups.map((group) => names.kafkaId(group)),
      models: options.model.length > 0 ? options.model : ['flight-delay'],
      registry: createGrpcRegistryClient(createGrpcClient(ModelRegistryService, registryChannel), { timeoutMs: options.timeout }),
      servedVersions: servedVersionsFromInference(createGrpcClient(GRPCInferenceService, inferenceChannel), options.timeout),
      timeoutMs: options.timeout,
    });
    if (options.json) console.log(JSON.stringify(platformStatusJson(status), null, 2));
    else for (const line of formatPlatformStatus(status)) console.log(line);
    return status.problems.length === 0 ? 0 : 1;
  } finally {
    registryChannel.close();
    inferenceChannel.close();
  }
}

const collect = (value: string, previous: readonly string[]): string[] => [...previous, value];

function milliseconds(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError('expected a whole number of milliseconds ≥ 1');
  return value;
}

/** `tributary status`: every service's health and readiness, consumer lag, model aliases and versions served, breaker states. */
export function registerStatusCommand(program: Command): void {
  withOperatorChannelOptions(program.command('status'))
    .description('Show every service’s health and readiness, consumer lag per group and partition, model aliases and the versions served, and breaker states; exit 1 when something is wrong.')
    .option('--host <host>', 'host of the services’ ops ports (each on its default port)', '127.0.0.1')
    .option('--service <name=host:port>', 'ops address of one service, e.g. inference=10.0.0.7:9468 (repeatable)', collect, [])
    .option('--registry <host:port>', 'the registry’s gRPC address (env REGISTRY_ADDRESS)', registryAddress())
    .option('--inference <host:port>', 'the inference service’s gRPC address (env INFERENCE_ADDRESS)', process.env['INFERENCE_ADDRESS']?.trim() || '127.0.0.1:15055')
    .option('--brokers <list>', 'Kafka bootstrap brokers (env KAFKA_BROKERS)', kafkaBrokersFromEnv().join(','))
    .option('--group <id>', 'consumer group to report, as named on the broker (repeatable; default: ingestion, feature-pipeline, trainer and drift-monitor in TRIBUTARY_NAMESPACE)', collect, [])
    .option('--model <name>', 'model whose aliases and served versions to report (repeatable; default flight-delay)', collect, [])
    .option('--timeout <ms>', 'how long each question may take', milliseconds, 3000)
    .option('--json', 'print JSON instead of text', false)
    .action(runAction((options: StatusCommandOptions) => showStatus(options)));
}
