/**
 * @tributary/config — typed, validated configuration from the environment.
 * A schema of documented variables ({@link envVar}) loads to a typed object
 * ({@link loadConfig}) or fails with one error naming every bad variable, and
 * the same schema prints the `--help` and README tables, so docs stay true.
 * `TRIBUTARY_NAMESPACE` moves every name a process writes under into a
 * namespace of its own ({@link inNamespace}).
 */
export {
  clickhouseEnv,
  clickhouseSchemaEnv,
  consumerGroupEnv,
  grpcServerEnv,
  kafkaConsumerEnv,
  kafkaEnv,
  keyPrefixEnv,
  logEnv,
  opsServerEnv,
  redisEnv,
  registryClientEnv,
  serviceAuthEnv,
  serviceBaseEnv,
  shutdownEnv,
  topicNameEnv,
  tracingEnv,
  type ClickhouseEnvOptions,
  type KafkaEnvOptions,
  type RegistryClientEnvOptions,
  type ServerEnvOptions,
  type ServiceBaseEnvOptions,
} from './common-env.js';
export { describeConfig, formatConfigHelp, formatConfigMarkdown, type EnvVarDoc } from './describe-config.js';
export { envVar, type EnvVar, type EnvVarOptions } from './env-var.js';
export { ConfigError, type ConfigProblem } from './errors.js';
export { NAMESPACE_VARIABLE, inNamespace, namespaceEnv, type NamespacedKind } from './in-namespace.js';
export { loadConfig, withGroupCheck, type ConfigOf, type ConfigSchema, type Env } from './load-config.js';
export {
  LOG_LEVELS,
  booleanSchema,
  hostPortListSchema,
  logLevelSchema,
  namespaceSchema,
  portSchema,
  positiveIntSchema,
  readableFileSchema,
  textSchema,
  urlSchema,
} from './value-schemas.js';
