import { posix } from 'node:path';
import { envVar } from './env-var.js';
import { namespaceSchema } from './value-schemas.js';

/**
 * The one setting that isolates everything a process writes — Kafka topics,
 * consumer groups and client ids, the ClickHouse database, Redis key
 * prefixes, artifact directories — so that two users of one set of servers
 * (the tests and the demo, two developers, staging and a load test) never see
 * each other's data. Blank means no namespace: the documented names.
 */
export const NAMESPACE_VARIABLE = 'TRIBUTARY_NAMESPACE';

/** What a namespaced name is; each kind has its own separator, legal where the name is used. */
export type NamespacedKind = 'topic' | 'consumer-group' | 'client-id' | 'database' | 'key-prefix' | 'directory';

/** `TRIBUTARY_NAMESPACE`, unset by default (no namespace). */
export const namespaceVariable = envVar({
  name: NAMESPACE_VARIABLE,
  description:
    'Namespace of everything this process writes and reads: prefixes the default of every topic, consumer group, client id, ClickHouse database, Redis key prefix and artifact directory (a variable set explicitly is used as given); unset for none.',
  expected: 'lower-case letters, digits and _, starting with a letter, at most 32 characters',
  schema: namespaceSchema,
  optional: true,
});

/** `TRIBUTARY_NAMESPACE` as a group, for a schema that needs the namespace itself (e.g. to name what it reads). */
export function namespaceEnv() {
  return { namespace: namespaceVariable };
}

/**
 * `name` inside `namespace` (unchanged without one), the namespace always in
 * front: topic `ns.events.raw`, consumer group and client id `ns.ingestion`,
 * database `ns_tributary`, Redis key prefix `ns:features`, directory
 * `.tributary/registry/ns.artifacts` (a sibling, never inside the un-namespaced
 * one, so nothing that walks that directory meets another namespace's files).
 */
export function inNamespace(namespace: string | undefined, kind: NamespacedKind, name: string): string {
  if (namespace === undefined || namespace === '') return name;
  switch (kind) {
    case 'topic':
    case 'consumer-group':
    case 'client-id':
      return `${namespace}.${name}`;
    case 'database':
      return `${namespace}_${name}`;
    case 'key-prefix':
      return `${namespace}:${name}`;
    case 'directory': {
      const trimmed = name.replace(/\/+$/, '') || '/';
      return posix.join(posix.dirname(trimmed), `${namespace}.${posix.basename(trimmed)}`);
    }
  }
}
