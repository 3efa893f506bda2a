import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { cachedInstall } from './cached-install.js';
import { loopbackHost, type InfraPorts } from './infra-config.js';
import { kafkaAclEntries } from './kafka-acls.js';
import { adminPassword, type InfraSecurity } from './infra-security.js';
import { adminPrincipal } from './platform-principals.js';
import { runCommand } from './run-command.js';
import type { ServerContext, ServerDefinition } from './server-definition.js';

const { Kafka, logLevel, Partitioners } = kafkajs;

/** The Kafka release the shipped pom resolves. */
export const kafkaVersion = '4.4.0';

/** Fixed, so a data dir formatted once is accepted by every later start (a new id would be refused). */
const clusterId = 'MkU3OEVBNTcwNTJENDM2Qk';

const pomAsset = fileURLToPath(new URL('../assets/kafka-runtime.pom.xml', import.meta.url));

/**
 * Single node, loopback only, sized for a laptop: internal topics with one
 * partition and replication factor 1 (without these `__consumer_offsets`
 * cannot be created), no initial rebalance delay, a 16 MiB cleaner buffer so
 * a 256 MiB heap suffices, and a 3 s broker session so a restart after
 * SIGKILL waits ~6 s, not ~13 s, for the old registration to expire.
 * With `adminPassword`, the secure variant of {@link secureListenerLines}.
 */
export function kafkaServerProperties(ports: InfraPorts, dataDir: string, adminPassword?: string): string {
  const listenerLines = adminPassword === undefined ? plainListenerLines(ports) : secureListenerLines(ports, adminPassword);
  return `${[
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=${loopbackHost}:${ports.kafkaController}`,
    ...listenerLines,
    `log.dirs=${dataDir}`,
    'num.partitions=3',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'share.coordinator.state.topic.num.partitions=1',
    'group.initial.rebalance.delay.ms=0',
    'log.cleaner.dedupe.buffer.size=16777216',
    'broker.session.timeout.ms=3000',
    'broker.heartbeat.interval.ms=1000',
  ].join('\n')}\n`;
}

function plainListenerLines(ports: InfraPorts): string[] {
  const listeners = `PLAINTEXT://${loopbackHost}:${ports.kafka},CONTROLLER://${loopbackHost}:${ports.kafkaController}`;
  return [
    `listeners=${listeners}`,
    `advertised.listeners=${listeners}`,
    'inter.broker.listener.name=PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
  ];
}

/**
 * Clients authenticate with SASL/SCRAM-SHA-256 (users created at format
 * time) and are authorized by ACLs (StandardAuthorizer, nothing allowed
 * without an ACL, the admin a super user). KRaft controllers cannot check
 * SCRAM (the credentials live in the metadata they serve), so the controller
 * listener takes SASL/PLAIN with the admin alone.
 */
function secureListenerLines(ports: InfraPorts, password: string): string[] {
  const listeners = `SASL_PLAINTEXT://${loopbackHost}:${ports.kafka},CONTROLLER://${loopbackHost}:${ports.kafkaController}`;
  return [
    `listeners=${listeners}`,
    `advertised.listeners=${listeners}`,
    'inter.broker.listener.name=SASL_PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    'sasl.enabled.mechanisms=SCRAM-SHA-256',
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-256',
    'sasl.mechanism.controller.protocol=PLAIN',
    'listener.name.controller.sasl.enabled.mechanisms=PLAIN',
    `listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${adminPrincipal}" password="${password}" user_${adminPrincipal}="${password}";`,
    `listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${adminPrincipal}" password="${password}";`,
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    `super.users=User:${adminPrincipal}`,
    'allow.everyone.if.no.acl.found=false',
  ];
}

/** WARN keeps a clean start to two lines (INFO dumps ~2,400); no shutdown hook, so the shutdown log survives. */
const log4jProperties = `${[
  'status = warn',
  'shutdownHook = disable',
  'appender.console.type = Console',
  'appender.console.name = STDOUT',
  'appender.console.layout.type = PatternLayout',
  'appender.console.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = WARN',
  'rootLogger.appenderRef.stdout.ref = STDOUT',
].join('\n')}\n`;

/** Fetches the broker's jars with Maven into the cache, keyed by the pom's hash; returns the lib dir. */
async function installKafkaJars(context: ServerContext): Promise<string> {
  const pom = await readFile(pomAsset);
  const key = createHash('sha256').update(pom).digest('hex').slice(0, 12);
  const { cacheDir } = context.config;
  const dir = join(cacheDir, `kafka-${kafkaVersion}-${key}`);
  await cachedInstall(dir, `Kafka ${kafkaVersion} jars from Maven Central`, context.onEvent, async () => {
    const [java, mvn] = await Promise.all([context.tools.java(), context.tools.maven()]);
    await copyFile(pomAsset, join(dir, 'pom.xml'));
    await runCommand(
      mvn,
      [
        '-q',
        '-B',
        '-f',
        join(dir, 'pom.xml'),
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${join(dir, 'lib')}`,
        `-Dmaven.repo.local=${join(cacheDir, 'maven')}`,
      ],
      { env: { JAVA_HOME: dirname(dirname(await realpath(java))) } },
    );
  });
  return join(dir, 'lib');
}

function tcpConnect(port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: loopbackHost, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => socket.destroy(new Error(`connect to port ${port} timed out`)));
    socket.once('error', reject);
  });
}

/**
 * An open port is not readiness. Each step removes a transient error seen
 * right after a start: metadata, the group coordinator loaded, producer-id
 * allocation warm. A new client per try, so no state leaks between tries.
 */
async function probeKafka(ports: InfraPorts, security?: InfraSecurity): Promise<void> {
  await tcpConnect(ports.kafka, 1_000);
  const kafka = new Kafka({
    clientId: 'tributary-infra-readiness',
    brokers: [`${loopbackHost}:${ports.kafka}`],
    ...adminSasl(security),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 5_000,
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    await admin.describeCluster();
    await admin.fetchOffsets({ groupId: '__readiness', topics: [] });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  try {
    await producer.connect();
  } finally {
    await producer.disconnect();
  }
}

function adminSasl(security: InfraSecurity | undefined): { sasl?: { mechanism: 'scram-sha-256'; username: string; password: string } } {
  return security === undefined ? {} : { sasl: { mechanism: 'scram-sha-256', username: adminPrincipal, password: adminPassword(security) } };
}

/** Creates the ACLs of every service principal as the admin; creating an existing ACL changes nothing. */
async function applyKafkaAcls(ports: InfraPorts, security: InfraSecurity): Promise<void> {
  const kafka = new Kafka({ clientId: 'tributary-infra-acls', brokers: [`${loopbackHost}:${ports.kafka}`], logLevel: logLevel.NOTHING, ...adminSasl(security) });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.createAcls({ acl: kafkaAclEntries(security) });
  } finally {
    await admin.disconnect();
  }
}

/** Apache Kafka in KRaft mode (broker and controller in one JVM) from Maven Central jars on Java 17+. */
export const kafkaServer: ServerDefinition = {
  service: 'kafka',
  portKeys: ['kafka', 'kafkaController'],
  // After a SIGKILL the broker waits for its old registration to expire first.
  readinessTimeoutMs: 60_000,
  stopGraceMs: 15_000,
  listen: (ports) => `${loopbackHost}:${ports.kafka} (controller ${ports.kafkaController})`,
  async prepare(context) {
    const [lib, java] = await Promise.all([installKafkaJars(context), context.tools.java()]);
    const { security } = context;
    // Secure data apart: its SCRAM users exist only in a log formatted with them.
    const dir = join(context.config.home, security ? 'kafka-secure' : 'kafka');
    const dataDir = join(dir, 'data');
    await mkdir(dataDir, { recursive: true });
    const serverProperties = join(dir, 'server.properties');
    const log4jConfig = join(dir, 'log4j2.properties');
    await writeFile(serverProperties, kafkaServerProperties(context.config.ports, dataDir, security && adminPassword(security)), { mode: 0o600 });
    await chmod(serverProperties, 0o600);
    await writeFile(log4jConfig, log4jProperties);
    const classpath = join(lib, '*');
    if (!existsSync(join(dataDir, 'meta.properties'))) {
      const scramUsers = Object.entries(security?.secrets ?? {}).flatMap(([name, password]) => ['--add-scram', `SCRAM-SHA-256=[name=${name},password=${password}]`]);
      await runCommand(java, ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId, '-c', serverProperties, '--ignore-formatted', ...scramUsers]);
    }
    return {
      command: java,
      args: ['-Xms64m', '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Dlog4j2.configurationFile=${log4jConfig}`, '-cp', classpath, 'kafka.Kafka', serverProperties],
      cwd: dir,
    };
  },
  probe: probeKafka,
  configure: applyKafkaAcls,
};
