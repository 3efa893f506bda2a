import { createHash } from 'node:crypto';
import type { InfraSecrets } from './infra-secrets.js';
import { adminPrincipal, platformPrincipals, type PrincipalGrants } from './platform-principals.js';

/** Kinds of names the platform puts in a namespace. */
export type PlatformNameKind = 'topic' | 'consumer-group' | 'database' | 'key-prefix';

/** Options of the secure mode of {@link createInfra}. */
export interface InfraSecurityOptions {
  /**
   * The platform's name of a topic, consumer group, ClickHouse database or
   * Redis key prefix, for the namespace the servers serve (e.g.
   * `(kind, name) => inNamespace(ns, kind, name)` of `@tributary/config`);
   * ACLs and grants are written for these names. Default: names unchanged.
   */
  readonly name?: (kind: PlatformNameKind, name: string) => string;
  /**
   * The ClickHouse schema is made by the admin (deploy/clickhouse's SQL), not by
   * the services: their users get no CREATE, only SELECT, INSERT and ALTER
   * DELETE on their tables, and they run with `CLICKHOUSE_MANAGE_SCHEMA=false`.
   * Default false: each service creates its database and tables at start.
   */
  readonly managedSchema?: boolean;
}

/** What secure server definitions get: the principals' passwords and the namer. */
export interface InfraSecurity {
  readonly secrets: InfraSecrets;
  readonly name: (kind: PlatformNameKind, name: string) => string;
  /** See {@link InfraSecurityOptions.managedSchema}. Default false. */
  readonly managedSchema?: boolean;
}

/** The admin's password; every secure server has one. */
export function adminPassword(security: InfraSecurity): string {
  const password = security.secrets[adminPrincipal];
  if (password === undefined) throw new TypeError('the infra secrets lack the admin password');
  return password;
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** The rules of the admin's Redis user: every key, channel and command. */
export const redisAdminRules = '~* &* +@all';

/**
 * The rules of a principal's Redis ACL user, without its password: its key
 * prefixes — read-write or read-only (`%R~`) — and every command but the
 * dangerous ones, with the few of those its grants name (the registry's
 * `config|get`). `name` puts a prefix in the namespace; default: unchanged.
 */
export function redisUserRules(
  grants: Pick<PrincipalGrants, 'redisReadWrite' | 'redisReadOnly' | 'redisCommands'>,
  name: (kind: PlatformNameKind, name: string) => string = (_kind, prefix) => prefix,
): string {
  const pattern = (prefix: string) => `${name('key-prefix', prefix)}*`;
  const keys = [...grants.redisReadWrite.map((prefix) => `~${pattern(prefix)}`), ...grants.redisReadOnly.map((prefix) => `%R~${pattern(prefix)}`)];
  const commands = ['+info', ...grants.redisCommands.map((command) => `+${command}`)];
  return ['resetkeys', ...keys, 'resetchannels', '+@all', '-@dangerous', ...commands].join(' ');
}

/**
 * Redis ACL lines (`user …`) for redis.conf: the default user off, the admin
 * with everything, and each service with {@link redisUserRules}. Passwords
 * are given as SHA-256 (`#…`), so the file holds no password.
 */
export function redisAclLines(security: InfraSecurity): string[] {
  const lines = ['user default off', `user ${adminPrincipal} on #${sha256Hex(adminPassword(security))} ${redisAdminRules}`];
  for (const [principal, grants] of Object.entries(platformPrincipals)) {
    const password = security.secrets[principal];
    if (password === undefined) continue;
    lines.push(`user ${principal} on #${sha256Hex(password)} ${redisUserRules(grants, security.name)}`);
  }
  return lines;
}

const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The table engines the services create their tables with. ClickHouse asks a
 * user creating a table for a grant on its engine too, so a service that owns
 * tables gets these and no others.
 */
const serviceTableEngines = ['MergeTree', 'ReplacingMergeTree'];

/** A table pattern of {@link platformPrincipals} in the namespace's database, as a GRANT target. */
function grantTarget(database: string, table: string): string {
  return table === '*' ? `${database}.*` : `${database}.${table}`;
}

/**
 * ClickHouse's users.xml for the embedded server: `default` (which the
 * embedded engine's own session runs as, so it cannot have a password) may
 * only start the listeners and read `system.numbers` for the launcher's
 * blocking query; the admin may do everything; each service may create its
 * database and its own tables (with the engines it uses) — unless the schema
 * is managed by the admin — and read or write exactly the tables
 * {@link platformPrincipals} grants it.
 */
export function clickhouseUsersXml(security: InfraSecurity): string {
  const database = security.name('database', 'tributary');
  const user = (name: string, auth: string, grants: readonly string[]) =>
    `<${name}>${auth}<networks><ip>::1</ip><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota>` +
    `<grants>${grants.map((grant) => `<query>${xmlEscape(grant)}</query>`).join('')}</grants></${name}>`;
  const password = (name: string) => `<password_sha256_hex>${sha256Hex(security.secrets[name] ?? '')}</password_sha256_hex>`;
  const users = [
    user('default', '<no_password/>', ['GRANT SYSTEM LISTEN ON *.*', 'GRANT SELECT ON system.numbers']),
    user(adminPrincipal, password(adminPrincipal), ['GRANT ALL ON *.* WITH GRANT OPTION']),
  ];
  for (const [principal, grants] of Object.entries(platformPrincipals)) {
    if (security.secrets[principal] === undefined) continue;
    const creates = grants.clickhouseReadWrite.length > 0 && security.managedSchema !== true;
    // CREATE VIEW: batch scoring's `batch_scores` view of completed jobs.
    const readWrite = security.managedSchema === true ? 'SELECT, INSERT, ALTER DELETE' : 'SELECT, INSERT, ALTER, CREATE TABLE, CREATE VIEW';
    const statements = [
      ...(creates ? [`GRANT CREATE DATABASE ON ${database}.*`, ...serviceTableEngines.map((engine) => `GRANT TABLE ENGINE ON ${engine}`)] : []),
      ...grants.clickhouseReadWrite.map((table) => `GRANT ${readWrite} ON ${grantTarget(database, table)}`),
      ...grants.clickhouseReadOnly.map((table) => `GRANT SELECT ON ${grantTarget(database, table)}`),
      ...(grants.clickhouseTemporaryTables ? ['GRANT CREATE TEMPORARY TABLE ON *.*', 'GRANT TABLE ENGINE ON Memory'] : []),
    ];
    users.push(user(principal, password(principal), statements.length > 0 ? statements : ['GRANT SELECT ON system.one']));
  }
  return `<clickhouse><profiles><default/></profiles><quotas><default/></quotas><users>${users.join('')}</users></clickhouse>\n`;
}
