/**
 * The grants of a ClickHouse schema managed by deploy/: one role per service
 * principal of `platformPrincipals` (libs/infra, what `infra up --secure`
 * grants locally), with exactly the tables it reads or writes — and no CREATE:
 * services run with `CLICKHOUSE_MANAGE_SCHEMA=false` against it. Users are
 * made by the operator with their passwords from the Kubernetes Secret and
 * the role as default (deploy/README.md), so no password is in the repo.
 */
import { platformPrincipals } from '@tributary/infra';

/** Options of {@link grantStatements}. */
export interface GrantStatementsOptions {
  /** The database of the tables. */
  readonly database: string;
  /** For the cluster schema: roles and grants `ON CLUSTER` it, on each table's `<table>_local` too. */
  readonly cluster?: string;
}

/** What a service may do on a table it writes: read, insert, and delete rows it rebuilds (the feature backfill's `ALTER TABLE … DELETE`). */
const READ_WRITE = 'SELECT, INSERT, ALTER DELETE';

/** The role of a principal: `tributary_<principal>` (hyphens as underscores, so it needs no quoting). */
export function clickhouseRoleOf(principal: string): string {
  return `tributary_${principal.replaceAll('-', '_')}`;
}

/** Whether `table` matches a grant pattern of {@link platformPrincipals} (`*` all, `prefix*` a prefix). */
function matches(pattern: string, table: string): boolean {
  return pattern.endsWith('*') ? table.startsWith(pattern.slice(0, -1)) : table === pattern;
}

/**
 * `CREATE ROLE` and `GRANT` statements for every principal with ClickHouse
 * grants, over `tables` (the schema's own names; views get SELECT only). In
 * the cluster form a service is granted the Distributed table and its
 * `_local` table alike: with inter-server secrets, the shards run the
 * forwarded INSERTs and SELECTs as the initial user. A principal that stages
 * data in temporary tables (the trainer) gets `CREATE TEMPORARY TABLE`, which
 * ClickHouse grants only on `*.*`, and their engine, Memory.
 */
export function grantStatements(tables: readonly { name: string; view: boolean }[], options: GrantStatementsOptions): string[] {
  const { database, cluster } = options;
  const onCluster = cluster === undefined ? '' : ` ON CLUSTER ${cluster}`;
  const statements: string[] = [];
  for (const [principal, grants] of Object.entries(platformPrincipals)) {
    const role = clickhouseRoleOf(principal);
    const privileges = new Map<string, string>();
    for (const { name, view } of tables) {
      const targets = cluster === undefined || view ? [name] : [name, `${name}_local`];
      const writes = !view && grants.clickhouseReadWrite.some((pattern) => matches(pattern, name));
      const reads = [...grants.clickhouseReadWrite, ...grants.clickhouseReadOnly].some((pattern) => matches(pattern, name));
      const privilege = writes ? READ_WRITE : reads ? 'SELECT' : undefined;
      if (privilege !== undefined) for (const target of targets) privileges.set(target, privilege);
    }
    if (privileges.size === 0) continue;
    statements.push(`-- ${principal}: its user is made with DEFAULT ROLE ${role}\nCREATE ROLE IF NOT EXISTS ${role}${onCluster}`);
    for (const [table, privilege] of [...privileges].sort(([a], [b]) => a.localeCompare(b))) {
      statements.push(`GRANT${onCluster} ${privilege} ON ${database}.${table} TO ${role}`);
    }
    if (grants.clickhouseTemporaryTables) {
      statements.push(`GRANT${onCluster} CREATE TEMPORARY TABLE ON *.* TO ${role}`, `GRANT${onCluster} TABLE ENGINE ON Memory TO ${role}`);
    }
  }
  return statements;
}

/** Whether a statement of a schema file is one of {@link grantStatements} (a role or a privilege), which needs a server with access management. */
export function isGrantStatement(statement: string): boolean {
  return /^(?:--.*\n)*(?:CREATE ROLE|GRANT) /.test(statement);
}
