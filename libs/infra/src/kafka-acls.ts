import kafkajs, { type AclEntry } from 'kafkajs';
import type { InfraSecurity } from './infra-security.js';
import { platformPrincipals } from './platform-principals.js';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

/**
 * The ACLs of every service principal, from {@link platformPrincipals}:
 * READ on the topics it consumes, WRITE on those it produces to, DESCRIBE and
 * CREATE on both (services create their topics at start), READ on consumer
 * groups starting with its prefixes, DESCRIBE on the groups it reports on,
 * DESCRIBE_CONFIGS on the dead-letter topic it writes (the writer reads its
 * size limit), WRITE on its transactional ids. Nothing else: a producer
 * cannot write a topic it does not own, a consumer group reads only its
 * topics. Idempotent producers need no cluster ACL (WRITE on a topic implies
 * IDEMPOTENT_WRITE), nor transactional ones (WRITE on their id implies it).
 */
export function kafkaAclEntries(security: InfraSecurity): AclEntry[] {
  const entries: AclEntry[] = [];
  const allow = (principal: string, resourceType: AclEntry['resourceType'], resourceName: string, operation: AclEntry['operation'], prefixed = false) =>
    entries.push({
      principal: `User:${principal}`,
      host: '*',
      resourceType,
      resourceName,
      resourcePatternType: prefixed ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
      operation,
      permissionType: AclPermissionTypes.ALLOW,
    });
  for (const [principal, grants] of Object.entries(platformPrincipals)) {
    if (security.secrets[principal] === undefined) continue;
    const topic = (name: string) => security.name('topic', name);
    for (const name of grants.readsTopics) allow(principal, AclResourceTypes.TOPIC, topic(name), AclOperationTypes.READ);
    for (const name of grants.writesTopics) allow(principal, AclResourceTypes.TOPIC, topic(name), AclOperationTypes.WRITE);
    for (const name of new Set([...grants.readsTopics, ...grants.writesTopics])) {
      allow(principal, AclResourceTypes.TOPIC, topic(name), AclOperationTypes.DESCRIBE);
      allow(principal, AclResourceTypes.TOPIC, topic(name), AclOperationTypes.CREATE);
    }
    for (const name of grants.describesTopicConfigs) allow(principal, AclResourceTypes.TOPIC, topic(name), AclOperationTypes.DESCRIBE_CONFIGS);
    const group = (prefix: string) => security.name('consumer-group', prefix);
    for (const prefix of grants.groupPrefixes) allow(principal, AclResourceTypes.GROUP, group(prefix), AclOperationTypes.READ, true);
    for (const prefix of grants.describesGroupPrefixes) allow(principal, AclResourceTypes.GROUP, group(prefix), AclOperationTypes.DESCRIBE, true);
    for (const prefix of grants.transactionalIdPrefixes) allow(principal, AclResourceTypes.TRANSACTIONAL_ID, group(prefix), AclOperationTypes.WRITE, true);
  }
  return entries;
}
