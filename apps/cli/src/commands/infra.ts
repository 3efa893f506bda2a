import type { Command } from 'commander';
import { createInfra, InfraUpError, type Infra } from '@tributary/infra';
import { prepareSecureClients, secureInfraOptions } from './infra-secure.js';
import { platformNames } from './platform-names.js';
import { runAction } from './run-action.js';
import { formatDownResult, formatInfraEvent, formatSeconds, formatStatus, formatUpResult } from './infra-output.js';

/** Whether `up` starts the secure servers (for the namespace of `TRIBUTARY_NAMESPACE`). */
interface UpOptions {
  readonly secure?: boolean;
}

function openInfra(options: UpOptions = {}): Infra {
  return createInfra({
    onEvent: (event) => {
      const line = formatInfraEvent(event);
      if (line) console.log(line);
    },
    ...(options.secure ? { secure: secureInfraOptions(platformNames().namespace) } : {}),
  });
}

/** `tributary infra up [--secure]`: prints each server's start and where it listens; 1 if any failed. */
export async function bringInfraUp(options: UpOptions = {}): Promise<number> {
  const startedAt = performance.now();
  const infra = openInfra(options);
  try {
    for (const result of await infra.up()) console.log(formatUpResult(result));
  } catch (reason) {
    if (!(reason instanceof InfraUpError)) throw reason;
    for (const result of reason.started) console.log(formatUpResult(result));
    for (const { error } of reason.failures) console.error(`✗ ${error.message}`);
    return 1;
  }
  if (options.secure) {
    const dir = await prepareSecureClients(infra, platformNames().namespace);
    console.log(`secure: credentials and certificates in ${dir}; arm a service's shell with \`set -a; . ${dir}/<service>.env; set +a\``);
  }
  console.log(`infra up in ${formatSeconds(performance.now() - startedAt)}; data and logs in ${infra.config.home}`);
  return 0;
}

async function down(): Promise<number> {
  for (const result of await openInfra().down()) console.log(formatDownResult(result));
  return 0;
}

/** Exits 1 unless every server runs and answers, so scripts can wait on it. */
async function status(): Promise<number> {
  const statuses = await openInfra().status();
  for (const line of statuses.map(formatStatus)) console.log(line);
  return statuses.every((s) => s.state === 'running') ? 0 : 1;
}

/** `tributary infra up|down|status`: local Kafka, ClickHouse and Redis without Docker. */
export function registerInfraCommand(program: Command): void {
  const infra = program
    .command('infra')
    .description('local Kafka, ClickHouse and Redis on loopback, without Docker (data in TRIBUTARY_HOME, default .tributary/)');
  infra
    .command('up')
    .description('install what is missing, start what is not running, wait until all are ready')
    .option('--secure', 'Kafka with SASL/SCRAM and ACLs, Redis and ClickHouse users per service, certificates for mutual TLS (credentials in <home>/secrets)')
    .action(runAction((options: UpOptions) => bringInfraUp(options)));
  infra.command('down').description('stop the servers `up` started and remove their PID files').action(runAction(down));
  infra.command('status').description('show what runs; exits 1 unless all run').action(runAction(status));
}
