/**
 * Who may touch what on the servers, per service principal, derived from
 * DESIGN.md's topics table and each service's stores. Topic and group names
 * are the catalogue's, before the namespace prefix; Redis prefixes and
 * ClickHouse tables are the services' defaults.
 */
export interface PrincipalGrants {
  /** Topics it consumes (READ, DESCRIBE) — and may create. */
  readonly readsTopics: readonly string[];
  /** Topics it produces to (WRITE, DESCRIBE) — and may create. */
  readonly writesTopics: readonly string[];
  /** Prefixes of its consumer group ids. */
  readonly groupPrefixes: readonly string[];
  /** Redis key prefixes it reads and writes. */
  readonly redisReadWrite: readonly string[];
  /** Redis key prefixes it may only read. */
  readonly redisReadOnly: readonly string[];
  /** ClickHouse tables (of the namespace's database) it reads and writes; a trailing `*` matches a prefix. */
  readonly clickhouseReadWrite: readonly string[];
  /** ClickHouse tables it may only read. */
  readonly clickhouseReadOnly: readonly string[];
}

const none: readonly string[] = [];

const grants = (partial: Partial<PrincipalGrants>): PrincipalGrants => ({
  readsTopics: none,
  writesTopics: none,
  groupPrefixes: none,
  redisReadWrite: none,
  redisReadOnly: none,
  clickhouseReadWrite: none,
  clickhouseReadOnly: none,
  ...partial,
});

const allTopics = ['events.raw', 'events.validated', 'events.dlq', 'training.requested', 'model.lifecycle', 'predictions.logged', 'drift.detected', 'predictions.scored'];

/**
 * The service principals of the platform and `operator` (the `tributary`
 * command: producers' events, training requests, status). The admin principal
 * that sets the servers up is not in this table: it may do everything.
 */
export const platformPrincipals: Readonly<Record<string, PrincipalGrants>> = {
  ingestion: grants({
    readsTopics: ['events.raw'],
    writesTopics: ['events.validated', 'events.dlq'],
    groupPrefixes: ['ingestion'],
    redisReadWrite: ['tributary:ingest:'],
    clickhouseReadWrite: ['events_raw'],
  }),
  'feature-pipeline': grants({
    readsTopics: ['events.validated'],
    writesTopics: ['events.dlq'],
    groupPrefixes: ['feature-pipeline'],
    redisReadWrite: ['features'],
    clickhouseReadWrite: ['features_*'],
    clickhouseReadOnly: ['events_raw'],
  }),
  trainer: grants({
    readsTopics: ['training.requested'],
    writesTopics: ['events.dlq'],
    groupPrefixes: ['trainer'],
    clickhouseReadOnly: ['events_raw', 'features_*'],
  }),
  registry: grants({ writesTopics: ['model.lifecycle'], redisReadWrite: ['tributary:registry'] }),
  inference: grants({
    readsTopics: ['model.lifecycle', 'events.validated'],
    writesTopics: ['predictions.logged', 'predictions.scored', 'events.dlq'],
    groupPrefixes: ['inference'],
    redisReadWrite: ['tributary:predictions'],
    redisReadOnly: ['features'],
  }),
  'drift-monitor': grants({
    readsTopics: ['predictions.logged', 'events.validated', 'model.lifecycle'],
    writesTopics: ['drift.detected', 'training.requested', 'events.dlq'],
    groupPrefixes: ['drift-monitor'],
    clickhouseReadWrite: ['drift_*'],
  }),
  operator: grants({
    readsTopics: allTopics,
    writesTopics: ['events.raw', 'training.requested'],
    groupPrefixes: ['tributary'],
    redisReadOnly: [''],
    clickhouseReadOnly: ['*'],
  }),
};

/** The admin principal of every server: sets up users, ACLs and topics. */
export const adminPrincipal = 'admin';

/** Every principal with a password: the admin and {@link platformPrincipals}. */
export const principalNames: readonly string[] = [adminPrincipal, ...Object.keys(platformPrincipals)];
