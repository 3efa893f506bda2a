import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localServiceDefinitions } from '@tributary/infra';
import { allTopics } from '@tributary/kafka';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { composeFilePath, durationMs, keepsEveryWriteOnDisk, loadComposeFile, redisServiceOf, serviceEnvironment, type ComposeFile, type ComposeService } from './compose-file.js';
import { installDeployTools, type DeployTools } from './deploy-tools.js';
import { parseTopicLines } from './topic-lines.js';
import { fromRoot } from './workspace.js';

/** What an operator sets (in .env or the shell) before `docker compose up`. */
const operatorEnv = { SERVICE_AUTH_TOKEN: 'a-test-token-of-32-characters-ok', CLICKHOUSE_PASSWORD: 'test-password' };
const { file: compose, problems } = loadComposeFile(operatorEnv);
const appServices = localServiceDefinitions.map((definition) => definition.name);
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};

// The Compose specification's schema, vendored from compose-go (what `docker compose` validates with).
const composeSchema = JSON.parse(readFileSync(fromRoot('tools', 'deploy-checks', 'schemas', 'compose-spec.json'), 'utf8')) as object;
const validateCompose = new Ajv2020({ allErrors: true, strict: false }).compile(composeSchema);
const schemaErrors = (file: unknown): string[] =>
  validateCompose(file) ? [] : (validateCompose.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);

let tools: DeployTools;
beforeAll(() => {
  tools = installDeployTools();
}, 900_000);

/** `docker compose config` as compose-go does it, in an environment of only `env`. */
function composeConfig(env: Record<string, string>, path = composeFilePath) {
  const result = spawnSync(tools.composeConfig, [path], { env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8', maxBuffer: 16 << 20 });
  if (result.error) throw result.error;
  return { status: result.status, stderr: result.stderr, project: result.status === 0 ? (JSON.parse(result.stdout) as ComposeFile) : undefined };
}

describe('keepsEveryWriteOnDisk()', () => {
  const redis = (command: string, volumes?: string[]): ComposeService => ({ image: 'redis:7.4-bookworm', command: command.split(' '), ...(volumes ? { volumes } : {}) });

  it('accepts an append-only file synced at every write, on a volume', () => {
    expect(keepsEveryWriteOnDisk(redis('redis-server --appendonly yes --appendfsync always --save ', ['data:/data']))).toBe(true);
  });

  it('refuses no append-only file, a sync every second, or no volume', () => {
    expect(keepsEveryWriteOnDisk(redis('redis-server --appendonly no --save ', ['data:/data']))).toBe(false);
    expect(keepsEveryWriteOnDisk(redis('redis-server --appendonly yes --appendfsync everysec', ['data:/data']))).toBe(false);
    expect(keepsEveryWriteOnDisk(redis('redis-server --appendonly yes --appendfsync always'))).toBe(false);
  });
});

describe('docker-compose.yml', () => {
  it('loads as docker compose loads it (compose-go: interpolation, schema, consistency)', () => {
    const { status, stderr, project } = composeConfig(operatorEnv);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(Object.keys(project?.services ?? {}).sort()).toEqual(Object.keys(compose.services).sort());
    // What these checks read (YAML merge keys, interpolation) is what Compose resolves.
    for (const name of appServices) {
      expect(Object.fromEntries(serviceEnvironment(project?.services[name] ?? {})), name).toEqual(Object.fromEntries(serviceEnvironment(service(name))));
    }
  });

  it('is refused by compose-go without the secrets, or with a dangling dependency', () => {
    const withoutSecrets = composeConfig({});
    expect(withoutSecrets.status).toBe(1);
    expect(withoutSecrets.stderr).toMatch(/required variable SERVICE_AUTH_TOKEN is missing a value/);
    const scratch = mkdtempSync(join(tmpdir(), 'deploy-checks-compose-'));
    try {
      const dangling = join(scratch, 'docker-compose.yml');
      writeFileSync(dangling, readFileSync(composeFilePath, 'utf8').replace('      redis-registry:\n        condition: service_healthy', '      redis-gone:\n        condition: service_healthy'));
      const broken = composeConfig(operatorEnv, dangling);
      expect(broken.status).toBe(1);
      expect(broken.stderr).toMatch(/redis-gone/);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('interpolates with the operator settings and requires the secrets', () => {
    expect(problems).toEqual([]);
    const { problems: withoutSecrets } = loadComposeFile({});
    expect(new Set(withoutSecrets.map((problem) => problem.variable))).toEqual(new Set(['SERVICE_AUTH_TOKEN', 'CLICKHOUSE_PASSWORD']));
  });

  it('is valid against the Compose specification schema', () => {
    expect(schemaErrors(compose)).toEqual([]);
  });

  it('fails the schema when a field is misspelt or mistyped (the validation has teeth)', () => {
    const misspelt = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    const kafka = misspelt.services['kafka'] ?? {};
    kafka['helthcheck'] = kafka['healthcheck'];
    expect(schemaErrors(misspelt).join('\n')).toMatch(/helthcheck/);
    const mistyped = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    (mistyped.services['registry'] ?? {})['depends_on'] = { 'redis-registry': { condition: 'service_happy' } };
    expect(schemaErrors(mistyped).length).toBeGreaterThan(0);
  });

  it('gives every service a healthcheck', () => {
    for (const [name, definition] of Object.entries(compose.services)) {
      const test = definition.healthcheck?.test;
      expect(definition.healthcheck?.disable, name).not.toBe(true);
      expect(Array.isArray(test) ? test[0] : test, `${name} healthcheck`).toMatch(/^(CMD|CMD-SHELL)$/);
    }
  });

  it('gates every start on health, or on the completion of a one-shot job', () => {
    for (const [name, definition] of Object.entries(compose.services)) {
      const dependsOn = definition.depends_on ?? {};
      expect(Array.isArray(dependsOn), `${name}: depends_on needs the long form with a condition`).toBe(false);
      for (const [dependency, { condition }] of Object.entries(dependsOn as Record<string, { condition?: string }>)) {
        const target = service(dependency);
        if (condition === 'service_completed_successfully') {
          expect(target.restart, `${name} waits for ${dependency} to complete, so it must be a one-shot job`).toBe('no');
        } else {
          expect(condition, `${name} → ${dependency}`).toBe('service_healthy');
          expect(target.healthcheck?.test, `${dependency} has no healthcheck to gate on`).toBeDefined();
        }
      }
    }
  });

  it('has every one-shot job awaited by a long-running service, so `up --wait` ends with exit 0', () => {
    const oneShots = Object.entries(compose.services).filter(([, definition]) => definition.restart === 'no');
    expect(oneShots.map(([name]) => name)).toEqual(['kafka-topics']);
    for (const [job] of oneShots) {
      const adopters = Object.values(compose.services).filter(
        (definition) => definition.restart !== 'no' && (definition.depends_on as Record<string, { condition?: string }> | undefined)?.[job]?.condition === 'service_completed_successfully',
      );
      expect(adopters.length, job).toBeGreaterThan(0);
    }
  });

  it('starts the registry before the services that call it', () => {
    for (const caller of ['trainer', 'inference', 'drift-monitor']) {
      expect((service(caller).depends_on as Record<string, { condition: string }>)['registry']).toEqual({ condition: 'service_healthy' });
    }
  });

  it('builds the six services from deploy/Dockerfile on the ports of the local stack', () => {
    for (const { name, grpcPort, opsPort, restPort } of localServiceDefinitions) {
      const definition = service(name);
      expect(definition.build, name).toMatchObject({
        context: '.',
        dockerfile: 'deploy/Dockerfile',
        args: { SERVICE: name, GRPC_PORT: String(grpcPort), OPS_PORT: String(opsPort) },
      });
      expect(Object.keys(definition.build?.args ?? {}).sort()).toEqual(['GRPC_PORT', 'OPS_PORT', 'REVISION', 'SERVICE', 'VERSION']);
      const environment = serviceEnvironment(definition);
      expect(environment.get('GRPC_PORT'), name).toBe(String(grpcPort));
      expect(environment.get('OPS_PORT'), name).toBe(String(opsPort));
      const healthcheck = (definition.healthcheck?.test as readonly string[]).join(' ');
      expect(healthcheck, `${name} healthcheck asks its own ops port`).toContain(`http://127.0.0.1:${opsPort}/readyz`);
      const rest = restPort === undefined ? [] : [`127.0.0.1:${restPort}:${restPort}`];
      expect(definition.ports, name).toEqual([`127.0.0.1:${grpcPort}:${grpcPort}`, `127.0.0.1:${opsPort}:${opsPort}`, ...rest]);
      if (restPort !== undefined) expect(environment.get('REST_PORT'), name).toBe(String(restPort));
    }
  });

  it('runs the services read-only, with a writable /tmp, and long enough a stop for the drain', () => {
    for (const name of appServices) {
      const definition = service(name);
      const environment = serviceEnvironment(definition);
      expect(definition.read_only, name).toBe(true);
      expect(definition.tmpfs, name).toContain('/tmp');
      const drainMs = Number(environment.get('SHUTDOWN_TIMEOUT_MS') ?? 10_000) + Number(environment.get('TRAINER_DRAIN_TIMEOUT_MS') ?? 0);
      expect(durationMs(definition.stop_grace_period ?? '10s'), `${name} stop_grace_period`).toBeGreaterThan(drainMs);
    }
  });

  it('keeps the registry metadata on disk at every write, and the cache nowhere', () => {
    expect(keepsEveryWriteOnDisk(service('redis-registry'))).toBe(true);
    const cache = service('redis-cache');
    expect((cache.command as string[]).join(' ')).toMatch(/--appendonly no --save $/);
    expect(cache.volumes).toBeUndefined();
    expect(keepsEveryWriteOnDisk(cache)).toBe(false);
    expect(serviceEnvironment(service('registry')).get('REDIS_URL')).toBe('redis://redis-registry:6379');
    expect(serviceEnvironment(service('ingestion')).get('REDIS_URL')).toBe('redis://redis-cache:6379');
  });

  it('keeps the feature pipeline\'s Redis (online features and aggregation checkpoint) on disk at every write, in its own instance', () => {
    const url = serviceEnvironment(service('feature-pipeline')).get('REDIS_URL') ?? '';
    expect(url).toBe('redis://redis-features:6379');
    expect(keepsEveryWriteOnDisk(service(redisServiceOf(url))), `${url}: Kafka offsets are committed once its checkpoint is acknowledged`).toBe(true);
    expect(service('feature-pipeline').depends_on).toMatchObject({ 'redis-features': { condition: 'service_healthy' } });
  });

  it('creates exactly the topic catalogue of libs/kafka', () => {
    const job = service('kafka-topics');
    const topics = parseTopicLines(serviceEnvironment(job).get('TOPICS') ?? '');
    expect(topics).toEqual(
      allTopics.map((topic) => ({ name: topic.name, partitions: topic.partitions, retentionMs: topic.retentionMs, cleanupPolicy: topic.cleanupPolicy })),
    );
    expect(job.depends_on).toEqual({ kafka: { condition: 'service_healthy' } });
  });

  it('runs Kafka 4 in KRaft mode and ClickHouse 26', () => {
    expect(service('kafka').image).toMatch(/^apache\/kafka:4\.\d+\.\d+$/);
    expect(serviceEnvironment(service('kafka')).get('KAFKA_PROCESS_ROLES')).toBe('broker,controller');
    expect(service('clickhouse').image).toMatch(/^clickhouse\/clickhouse-server:26\.\d+/);
    expect(service('redis-registry').image).toMatch(/^redis:7\./);
  });

  it('points the collector at a configuration whose pipelines are complete and scrape every service', () => {
    const collector = service('otel-collector');
    const mount = (collector.volumes ?? []).map(String).find((volume) => volume.startsWith('./deploy/otel-collector.yaml:'));
    expect(mount).toBeDefined();
    expect(existsSync(fromRoot('deploy', 'otel-collector.yaml'))).toBe(true);
    const config = parse(readFileSync(fromRoot('deploy', 'otel-collector.yaml'), 'utf8')) as {
      receivers: Record<string, { config?: { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] } }>;
      processors: Record<string, unknown>;
      exporters: Record<string, unknown>;
      extensions: Record<string, unknown>;
      service: { extensions: string[]; pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }> };
    };
    for (const [name, pipeline] of Object.entries(config.service.pipelines)) {
      for (const receiver of pipeline.receivers) expect(config.receivers, `${name} receiver`).toHaveProperty([receiver]);
      for (const processor of pipeline.processors) expect(config.processors, `${name} processor`).toHaveProperty([processor]);
      for (const exporter of pipeline.exporters) expect(config.exporters, `${name} exporter`).toHaveProperty([exporter]);
    }
    for (const extension of config.service.extensions) expect(config.extensions).toHaveProperty([extension]);
    expect(Object.keys(config.service.pipelines).sort()).toEqual(['metrics', 'traces']);
    const targets = (config.receivers['prometheus']?.config?.scrape_configs ?? []).flatMap((scrape) => scrape.static_configs.flatMap((group) => group.targets));
    expect(targets.sort()).toEqual(localServiceDefinitions.map(({ name, opsPort }) => `${name}:${opsPort}`).sort());
    for (const name of appServices) expect(serviceEnvironment(service(name)).get('OTEL_EXPORTER_OTLP_ENDPOINT')).toBe('http://otel-collector:4318');
  });

  it('declares every named volume it mounts', () => {
    const declared = new Set(Object.keys((compose as ComposeFile).volumes ?? {}));
    for (const [name, definition] of Object.entries(compose.services)) {
      for (const volume of definition.volumes ?? []) {
        const source = String(volume).split(':')[0] ?? '';
        if (!source.startsWith('.') && !source.startsWith('/')) expect(declared, `${name} mounts ${source}`).toContain(source);
      }
    }
  });
});
