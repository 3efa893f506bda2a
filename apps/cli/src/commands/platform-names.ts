import { clickhouseEnv, inNamespace, keyPrefixEnv, loadConfig, namespaceEnv, type Env } from '@tributary/config';
import type { TopicDefinition } from '@tributary/kafka';

/** The names the services use by default, read the way they read them, so the CLI finds what they write. */
const platformNamesSchema = {
  ...namespaceEnv(),
  database: clickhouseEnv().database,
  featuresPrefix: keyPrefixEnv('FEATURES_REDIS_PREFIX', 'Prefix of the online features the feature pipeline writes.', 'features'),
};

/**
 * Where the CLI reads and writes: the namespace of `TRIBUTARY_NAMESPACE` (none
 * when unset), and in it the topics, consumer groups and client ids the CLI
 * uses, the ClickHouse database (`CLICKHOUSE_DATABASE`) and the feature
 * pipeline's Redis prefix (`FEATURES_REDIS_PREFIX`), with the services' defaults.
 */
export interface PlatformNames {
  readonly namespace: string | undefined;
  readonly database: string;
  readonly featuresPrefix: string;
  /** A catalogue topic under its name in the namespace; codec and settings stay the catalogue's. */
  topic<T>(definition: TopicDefinition<T>): TopicDefinition<T>;
  /** A consumer group or client id in the namespace. */
  kafkaId(name: string): string;
}

/** The names of the namespace `env` selects; throws ConfigError on a bad namespace or name. */
export function platformNames(env: Env = process.env): PlatformNames {
  const config = loadConfig(platformNamesSchema, env);
  return {
    namespace: config.namespace,
    database: config.database,
    featuresPrefix: config.featuresPrefix,
    topic: (definition) => ({ ...definition, name: inNamespace(config.namespace, 'topic', definition.name) }),
    kafkaId: (name) => inNamespace(config.namespace, 'client-id', name),
  };
}
