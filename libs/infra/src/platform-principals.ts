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
  /** Prefixes of other principals' consumer groups it may describe (offsets, members), e.g. for `tributary status`. */
  readonly describesGroupPrefixes: readonly string[];
  /** Topics whose configuration it reads (DESCRIBE_CONFIGS): a dead-letter writer reads its topic's `max.message.bytes`. */
  readonly describesTopicConfigs: readonly string[];
  /** Prefixes of its Kafka transactional ids (named after its consumer group, as `createTransactionalConsumer` names them). */
  readonly transactionalIdPrefixes: readonly string[];
  /** Redis key prefixes it reads and writes. */
  readonly redisReadWrite: readonly string[];
  /** Redis key prefixes it may only read. */
  readonly redisReadOnly: readonly string[];
  /** Redis commands it needs beyond the non-dangerous ones, as ACL names (`config|get`). */
  readonly redisCommands: readonly string[];
  /** ClickHouse tables (of the namespace's database) it reads and writes; a trailing `*` matches a prefix. */
  readonly clickhouseReadWrite: readonly string[];
  /** ClickHouse tables it may only read. */
  readonly clickhouseReadOnly: readonly string[];
  /** Whether it may create ClickHouse temporary tables (session-scoped, `CREATE TEMPORARY TABLE ON *.*`, of engine Memory). */
  readonly clickhouseTemporaryTables: boolean;
}

const none: readonly string[] = [];

const grants = (partial: Partial<PrincipalGrants>): PrincipalGrants => ({
  readsTopics: none,
  writesTopics: none,
  groupPrefixes: none,
  describesGroupPrefixes: none,
  describesTopicConfigs: none,
  transactionalIdPrefixes: none,
  redisReadWrite: none,
  redisReadOnly: none,
  redisCommands: none,
  clickhouseReadWrite: none,
  clickhouseReadOnly: none,
  clickhouseTemporaryTables: false,
  ...partial,
});

/** The dead-letter topic: every consumer writes it, and reads its size limit. */
const deadLetters = { writesTopics: ['events.dlq'], describesTopicConfigs: ['events.dlq'] };

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
    describesTopicConfigs: deadLetters.describesTopicConfigs,
    groupPrefixes: ['ingestion'],
    redisReadWrite: ['tributary:ingest:'],
    clickhouseReadWrite: ['events_raw'],
  }),
  'feature-pipeline': grants({
    readsTopics: ['events.validated'],
    ...deadLetters,
    groupPrefixes: ['feature-pipeline'],
    redisReadWrite: ['features'],
    clickhouseReadWrite: ['features_*'],
    clickhouseReadOnly: ['events_raw'],
  }),
  trainer: grants({
    readsTopics: ['training.requested'],
    ...deadLetters,
    groupPrefixes: ['trainer'],
    clickhouseReadOnly: ['events_raw', 'features_*'],
    // The training set's point-in-time join stages its labels in a temporary table of its session.
    clickhouseTemporaryTables: true,
  }),
  // CONFIG GET: at start the registry checks that its Redis keeps an append-only file.
  registry: grants({ writesTopics: ['model.lifecycle'], redisReadWrite: ['tributary:registry'], redisCommands: ['config|get'] }),
  inference: grants({
    readsTopics: ['model.lifecycle', 'events.validated'],
    writesTopics: ['predictions.logged', 'predictions.scored', 'events.dlq'],
    describesTopicConfigs: deadLetters.describesTopicConfigs,
    // Its lifecycle consumers (`inference-<uuid>`, one per replica) and the streaming scorer, whose transactions carry its group's name.
    groupPrefixes: ['inference', 'streaming-scorer'],
    transactionalIdPrefixes: ['streaming-scorer'],
    redisReadWrite: ['tributary:predictions'],
    redisReadOnly: ['features'],
  }),
  'drift-monitor': grants({
    readsTopics: ['predictions.logged', 'events.validated', 'model.lifecycle'],
    writesTopics: ['drift.detected', 'training.requested', 'events.dlq'],
    describesTopicConfigs: deadLetters.describesTopicConfigs,
    groupPrefixes: ['drift-monitor'],
    clickhouseReadWrite: ['drift_*'],
  }),
  operator: grants({
    readsTopics: allTopics,
    writesTopics: ['events.raw', 'training.requested'],
    groupPrefixes: ['tributary'],
    // `tributary status`: the lag of every service's group.
    describesGroupPrefixes: ['ingestion', 'feature-pipeline', 'trainer', 'inference', 'streaming-scorer', 'drift-monitor'],
    redisReadOnly: [''],
    // `tributary score`: its jobs and scores (a resumed job deletes a cut-short chunk's rows), from the raw events and offline
    // features, whose point-in-time read stages the departures in a temporary table of its session (as the trainer's).
    clickhouseReadWrite: ['batch_score*'],
    clickhouseReadOnly: ['*'],
    clickhouseTemporaryTables: true,
  }),
};

/** The admin principal of every server: sets up users, ACLs and topics. */
export const adminPrincipal = 'admin';

/** Every principal with a password: the admin and {@link platformPrincipals}. */
export const principalNames: readonly string[] = [adminPrincipal, ...Object.keys(platformPrincipals)];
