/**
 * Regenerates deploy/k8s/redis/<instance>-users.acl from the grants of
 * libs/infra `platformPrincipals` (see redis-acls.ts).
 */
import { writeFile } from 'node:fs/promises';
import { redisAclFile, redisAclTemplate, redisInstances } from './redis-acls.js';

for (const instance of redisInstances) {
  await writeFile(redisAclFile(instance), redisAclTemplate(instance));
  process.stdout.write(`wrote ${redisAclFile(instance)}\n`);
}
