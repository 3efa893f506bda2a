import {
  envVar,
  grpcServerEnv,
  kafkaEnv,
  keyPrefixEnv,
  logEnv,
  opsServerEnv,
  positiveIntSchema,
  redisEnv,
  serviceAuthEnv,
  shutdownEnv,
  textSchema,
  topicNameEnv,
  tracingEnv,
  type ConfigOf,
} from '@tributary/config';
import { topics } from '@tributary/kafka';
import { assertModelName } from '@tributary/model-registry';

/** A comma-separated list of model names; each must be a valid model name. */
const modelNameListSchema = textSchema
  .transform((text) =>
    text
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  )
  .refine((names) => names.every(isModelName), 'not a comma-separated list of model names');

function isModelName(name: string): boolean {
  try {
    assertModelName(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * The registry's environment. Ports default to 15052 (gRPC) and 9465 (ops),
 * so it runs beside the other services on one host without settings.
 */
export const registryConfigSchema = {
  grpc: grpcServerEnv({ port: 15_052 }),
  ops: opsServerEnv({ port: 9465 }),
  redis: redisEnv(),
  kafka: kafkaEnv({ clientId: 'registry' }),
  auth: serviceAuthEnv(),
  shutdown: shutdownEnv(),
  tracing: tracingEnv(),
  log: logEnv(),
  registry: {
    lifecycleTopic: topicNameEnv('REGISTRY_LIFECYCLE_TOPIC', 'Topic the model.lifecycle events of every change go to.', topics.modelLifecycle.name),
    artifactDirectory: envVar({
      name: 'REGISTRY_ARTIFACT_DIR',
      description: 'Directory of the content-addressed artifact store (created if missing).',
      expected: 'a directory path',
      schema: textSchema,
      default: '.tributary/registry/artifacts',
      namespaced: 'directory',
    }),
    keyPrefix: keyPrefixEnv('REGISTRY_KEY_PREFIX', 'Prefix of every Redis key of the registry.', 'tributary:registry'),
    maxArtifactBytes: envVar({
      name: 'REGISTRY_MAX_ARTIFACT_BYTES',
      description: 'Largest artifact accepted, in bytes.',
      expected: 'a whole number of bytes ≥ 1',
      schema: positiveIntSchema,
      default: String(1024 ** 3),
    }),
    approvalExemptModels: envVar({
      name: 'REGISTRY_APPROVAL_EXEMPT_MODELS',
      description: 'Models whose champion alias may move to a version nobody approved; every other model needs an approval first.',
      expected: 'model names, comma-separated',
      schema: modelNameListSchema,
      optional: true,
    }),
  },
};

/** The registry's loaded configuration. */
export type RegistryConfig = ConfigOf<typeof registryConfigSchema>;
