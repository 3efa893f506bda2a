/**
 * The ACL users of the Redis instances deploy/ runs, without passwords: for
 * each instance the service principals of `platformPrincipals` (libs/infra,
 * what `infra up --secure` writes locally) whose key prefixes live on it,
 * with exactly those prefixes. The files are templates: the Redis pod's init
 * container (deploy/k8s/redis/render-acl.sh) adds each user's password, as a
 * SHA-256, from the Kubernetes Secret, so no password is in the repo.
 */
import { adminPrincipal, platformPrincipals, redisAdminRules, redisUserRules } from '@tributary/infra';
import { fromRoot } from './workspace.js';

/**
 * Which Redis instance holds each key prefix of {@link platformPrincipals}
 * (deploy/README.md, "Which Redis holds what"). The operator's read of every
 * key is a local convenience: in a cluster no Redis gives it a user.
 */
export const redisInstancePrefixes = {
  // Online features and the pipeline's checkpoint: AOF, every write synced.
  'redis-features': ['features'],
  // Ingestion's dedup marks and inference's prediction cache: nothing on disk.
  'redis-cache': ['tributary:ingest:', 'tributary:predictions'],
  // The registry's metadata: AOF, every write synced.
  'redis-registry': ['tributary:registry'],
} as const satisfies Record<string, readonly string[]>;

/** A Redis instance deploy/ runs. */
export type RedisInstance = keyof typeof redisInstancePrefixes;

/** The Redis instances deploy/ runs. */
export const redisInstances = Object.keys(redisInstancePrefixes) as RedisInstance[];

/** Where an instance's ACL template lives. */
export function redisAclFile(instance: RedisInstance): string {
  return fromRoot('deploy', 'k8s', 'redis', `${instance}-users.acl`);
}

/** The service principals with a user on `instance`, each with the rules of its prefixes there. */
export function redisInstanceUsers(instance: RedisInstance): { principal: string; rules: string }[] {
  const held: readonly string[] = redisInstancePrefixes[instance];
  const users: { principal: string; rules: string }[] = [];
  for (const [principal, grants] of Object.entries(platformPrincipals)) {
    const here = { redisReadWrite: grants.redisReadWrite.filter((prefix) => held.includes(prefix)), redisReadOnly: grants.redisReadOnly.filter((prefix) => held.includes(prefix)) };
    if (here.redisReadWrite.length + here.redisReadOnly.length === 0) continue;
    users.push({ principal, rules: redisUserRules({ ...here, redisCommands: grants.redisCommands }) });
  }
  return users;
}

/**
 * The ACL template of `instance`: `#` comments, the default user off, then
 * `user <name> <rules>` for the admin and each service of
 * {@link redisInstanceUsers}, to which the init container adds `on #<sha256>`.
 */
export function redisAclTemplate(instance: RedisInstance): string {
  return [
    `# ACL users of ${instance}, without passwords: render-acl.sh adds each user's from the Secret (<user>-redis-password).`,
    `# Generated from libs/infra platformPrincipals; do not edit: npm run redis-acls -w @tributary/deploy-checks (deploy/README.md).`,
    'user default off',
    `user ${adminPrincipal} ${redisAdminRules}`,
    ...redisInstanceUsers(instance).map(({ principal, rules }) => `user ${principal} ${rules}`),
    '',
  ].join('\n');
}
