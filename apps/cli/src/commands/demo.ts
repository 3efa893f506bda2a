import { join } from 'node:path';
import type { Command } from 'commander';
import { createInfra, localEndpoints, startLocalServices, type LocalServiceProcess, type LocalServiceReadiness, type LocalServices } from '@tributary/infra';
import { allTopics, createKafkaClient, ensureTopics } from '@tributary/kafka';
import { createLogger } from '@tributary/observability';
import { bringInfraUp } from './infra.js';
import { formatSeconds } from './infra-output.js';
import { runAction } from './run-action.js';

interface DemoOptions {
  readonly keepRunning: boolean;
}

function heading(step: string): void {
  console.log(`\n━━ ${step}`);
}

/** `ingestion        ready in 1.2 s   gRPC 127.0.0.1:50051   ops http://127.0.0.1:9464   pid 42`. */
export function formatServiceReady(service: LocalServiceProcess): string {
  return `${service.name.padEnd(18)}ready in ${formatSeconds(service.startMs).padEnd(8)}gRPC 127.0.0.1:${service.grpcPort}   ops http://127.0.0.1:${service.opsPort}   pid ${service.pid}`;
}

/** `registry          ready       lifecycle up, redis up`. */
export function formatReadiness(readiness: LocalServiceReadiness): string {
  const checks = Object.entries(readiness.checks).map(([name, state]) => `${name} ${state}`);
  return `${readiness.name.padEnd(18)}${(readiness.ready ? 'ready' : 'NOT READY').padEnd(12)}${checks.join(', ') || 'no answer'}`;
}

async function createTopics(): Promise<void> {
  const kafka = createKafkaClient({ clientId: 'tributary-cli', brokers: localEndpoints().kafkaBrokers, logger: createLogger({ name: 'cli', level: 'warn' }) });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { created, grown } = await ensureTopics(admin, allTopics);
    const existing = allTopics.length - created.length;
    console.log(`${allTopics.map((t) => t.name).join(', ')}`);
    console.log(`${created.length} created, ${existing} already there${grown.length > 0 ? `, ${grown.length} grown` : ''}`);
  } finally {
    await admin.disconnect();
  }
}

function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

/**
 * The main job: the local servers, the topics, every service from its build,
 * and what each reports about itself. Later stages add the replay, training,
 * promotion, predictions and drift to this same run.
 */
async function runDemo(options: DemoOptions): Promise<number> {
  const startedAt = performance.now();
  heading('1. Local infrastructure: Kafka, ClickHouse, Redis');
  const infraExit = await bringInfraUp();
  if (infraExit !== 0) return infraExit;

  heading('2. Topics');
  await createTopics();

  heading('3. Services');
  const logDir = join(createInfra().config.home, 'logs');
  let services: LocalServices | undefined;
  try {
    services = await startLocalServices({ logDir, onReady: (service) => console.log(formatServiceReady(service)) });

    heading('4. Health, as each service reports it on /readyz');
    const readiness = await services.readiness();
    for (const line of readiness.map(formatReadiness)) console.log(line);

    heading('What happened');
    const ready = readiness.filter((r) => r.ready).length;
    console.log(`Kafka, ClickHouse and Redis run on loopback; ${allTopics.length} topics exist; ${ready} of ${readiness.length} services are ready.`);
    console.log(`Service logs: ${logDir}/<service>.log. Metrics: http://127.0.0.1:<ops port>/metrics.`);
    console.log(`Took ${formatSeconds(performance.now() - startedAt)}.`);
    if (options.keepRunning) {
      console.log('\nServices keep running; Ctrl-C stops them (the local servers keep running: `npm run infra:down`).');
      await untilInterrupted();
    }
    return ready === readiness.length ? 0 : 1;
  } finally {
    if (services) {
      const stops = await services.stop();
      console.log(`\nStopped ${stops.map((s) => `${s.name} (${s.outcome})`).join(', ')}.`);
    }
  }
}

/** `tributary demo`: the README's main command. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('start local Kafka, ClickHouse and Redis and every service, and show what happened')
    .option('--keep-running', 'leave the services running until Ctrl-C', false)
    .action(runAction(runDemo));
}
