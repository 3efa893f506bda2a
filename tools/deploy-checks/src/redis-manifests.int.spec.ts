/**
 * deploy/k8s/redis as a cluster would run it: the manifests pass kubeconform,
 * each instance keeps its data as DESIGN.md says, and the very files of its
 * ConfigMap — redis.conf, the ACL template and render-acl.sh — run on a real
 * Redis here (the image's `redis-server`, from Debian as `infra up` installs
 * it): every service's user reaches its key prefixes and nothing else, the
 * default user is off, the readiness probe answers as the admin.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@tributary/infra';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installDeployTools, type DeployTools } from './deploy-tools.js';
import { kubeconform, kustomizeBuild, kustomizeBuildDir, parseObjects, type KubernetesObject } from './kustomize.js';
import { fromRoot } from './workspace.js';
import { redisAclFile, redisAclTemplate, redisInstanceUsers, redisInstances, type RedisInstance } from './redis-acls.js';

interface Container {
  name: string;
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: { exec?: { command: string[] } };
  livenessProbe?: object;
  startupProbe?: object;
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface StatefulSet extends KubernetesObject {
  spec: {
    replicas: number;
    template: {
      spec: {
        securityContext?: { runAsNonRoot?: boolean };
        initContainers: Container[];
        containers: Container[];
        volumes: { name: string; configMap?: { name: string }; secret?: { secretName: string; items: { key: string; path: string }[] }; emptyDir?: object }[];
      };
    };
    volumeClaimTemplates?: { metadata: { name: string } }[];
  };
}

const redisDir = fromRoot('deploy', 'k8s', 'redis');
let tools: DeployTools;
let objects: KubernetesObject[];
let dev: KubernetesObject[];

beforeAll(() => {
  tools = installDeployTools();
  objects = parseObjects(kustomizeBuildDir(tools, redisDir));
  dev = parseObjects(kustomizeBuild(tools, 'dev'));
}, 900_000);

const find = <T extends KubernetesObject>(kind: string, name: string, from = objects): T => {
  const found = from.find((object) => object.kind === kind && (object.metadata.name === name || new RegExp(`^${name}-[a-z0-9]{10}$`).test(object.metadata.name)));
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found as T;
};
const configOf = (instance: RedisInstance) => find<KubernetesObject & { data: Record<string, string> }>('ConfigMap', instance).data;
/** `directive value` lines of a redis.conf, comments aside. */
const directives = (conf: string) =>
  new Map(conf.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#')).map((line) => [line.split(' ')[0] ?? '', line.slice(line.indexOf(' ') + 1)]));
const mainContainer = (set: StatefulSet) => {
  const [container] = set.spec.template.spec.containers;
  if (!container) throw new Error(`${set.metadata.name} has no container`);
  return container;
};

describe('deploy/k8s/redis', () => {
  it('builds with kustomize and passes kubeconform with strict schemas', () => {
    const result = kubeconform(tools, kustomizeBuildDir(tools, redisDir));
    expect(result.messages).toEqual([]);
    expect(result).toMatchObject({ invalid: 0, errors: 0, skipped: 0, valid: objects.length });
  });

  it.each(redisInstances)('%s: its ACL template is what libs/infra platformPrincipals grants today', async (instance) => {
    expect(await readFile(redisAclFile(instance), 'utf8')).toBe(redisAclTemplate(instance));
    expect(configOf(instance)['users.acl']).toBe(redisAclTemplate(instance));
  });

  it('gives every service of the dev overlay a user on each Redis its URLs name', () => {
    const urls = ['REDIS_URL', 'CACHE_REDIS_URL'];
    const config = find<KubernetesObject & { data: Record<string, string> }>('ConfigMap', 'tributary-config', dev).data;
    const deployments = dev.filter((object) => object.kind === 'Deployment') as unknown as { metadata: { name: string }; spec: { template: { spec: { containers: Container[] } } } }[];
    let checked = 0;
    for (const deployment of deployments) {
      const env = deployment.spec.template.spec.containers[0]?.env ?? [];
      const user = env.find((variable) => variable.name === 'REDIS_USERNAME')?.value;
      for (const variable of env.filter((candidate) => urls.includes(candidate.name))) {
        const url = config[(variable.valueFrom as { configMapKeyRef?: { key: string } } | undefined)?.configMapKeyRef?.key ?? ''] ?? '';
        const instance = /^redis:\/\/([\w-]+)[.:]/.exec(url)?.[1] ?? '';
        if (!(redisInstances as string[]).includes(instance)) continue;
        expect(user, `${deployment.metadata.name} ${variable.name}`).toBeDefined();
        expect(redisInstanceUsers(instance as RedisInstance).map(({ principal }) => principal), `${deployment.metadata.name} on ${instance}`).toContain(user);
        checked += 1;
      }
    }
    // ingestion (cache), registry (registry), feature-pipeline (features), inference (both).
    expect(checked).toBe(5);
  });

  it.each(redisInstances)('%s: one hardened pod, probes, resources, a PDB, a Service, and the passwords of exactly its users', (instance) => {
    const set = find<StatefulSet>('StatefulSet', instance);
    const pod = set.spec.template.spec;
    const container = mainContainer(set);
    expect(set.spec.replicas).toBe(1);
    expect(container.command).toEqual(['redis-server', '/etc/redis/redis.conf']);
    expect(container.startupProbe).toBeDefined();
    expect(container.livenessProbe).toBeDefined();
    expect(container.readinessProbe?.exec?.command.join(' ')).toMatch(/redis-cli .*--user admin ping/);
    for (const kind of ['requests', 'limits'] as const) expect(Object.keys(container.resources?.[kind] ?? {}).sort(), kind).toEqual(['cpu', 'memory']);
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    for (const each of [container, ...pod.initContainers]) expect(each.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(find('PodDisruptionBudget', instance)).toBeDefined();
    expect(find<KubernetesObject & { spec: { ports: { port: number }[] } }>('Service', instance).spec.ports.map((port) => port.port)).toEqual([6379]);

    const passwords = pod.volumes.find((volume) => volume.secret)?.secret;
    expect(passwords?.secretName).toBe('tributary-credentials');
    const users = ['admin', ...redisInstanceUsers(instance).map(({ principal }) => principal)];
    expect(passwords?.items.map((item) => item.key).sort()).toEqual(users.map((user) => `${user}-redis-password`).sort());
    expect(container.env?.find((variable) => variable.name === 'REDISCLI_AUTH')?.valueFrom?.secretKeyRef).toEqual({ name: 'tributary-credentials', key: 'admin-redis-password' });
  });

  it.each(['redis-features', 'redis-registry'] as const)('%s: keeps every write on its volume and evicts nothing', (instance) => {
    const conf = directives(configOf(instance)['redis.conf'] ?? '');
    expect(conf.get('appendonly')).toBe('yes');
    expect(conf.get('appendfsync')).toBe('always');
    expect(conf.get('maxmemory-policy'), 'evicting would lose features, the checkpoint or the registry').toBe('noeviction');
    const set = find<StatefulSet>('StatefulSet', instance);
    const data = mainContainer(set).volumeMounts?.find((mount) => mount.mountPath === conf.get('dir'));
    expect(set.spec.volumeClaimTemplates?.map((claim) => claim.metadata.name)).toEqual([data?.name]);
  });

  it('keeps nothing of redis-cache on disk', () => {
    const cache = directives(configOf('redis-cache')['redis.conf'] ?? '');
    expect(cache.get('appendonly')).toBe('no');
    expect(cache.get('save')).toBe('""');
    expect(find<StatefulSet>('StatefulSet', 'redis-cache').spec.volumeClaimTemplates).toBeUndefined();
  });
});

describe.each(redisInstances)('%s on a real Redis, from its ConfigMap', (instance) => {
  let dir: string;
  let port: number;
  let server: ChildProcess;
  const passwords = new Map<string, string>();
  const clients: Redis[] = [];
  const files = () => configOf(instance);

  /** Runs render-acl.sh of the ConfigMap as the init container does, with `dir/passwords` as the Secret. */
  const render = async (aclFile: string) => {
    await writeFile(join(dir, 'render-acl.sh'), files()['render-acl.sh'] ?? '');
    await writeFile(join(dir, 'users.acl.template'), files()['users.acl'] ?? '');
    return spawnSync('sh', [join(dir, 'render-acl.sh')], {
      env: { PATH: process.env['PATH'] ?? '', ACL_TEMPLATE: join(dir, 'users.acl.template'), PASSWORDS_DIR: join(dir, 'passwords'), ACL_FILE: aclFile },
      encoding: 'utf8',
    });
  };
  const connect = (username?: string) => {
    const client = new Redis({
      port,
      host: '127.0.0.1',
      ...(username === undefined ? {} : { username, password: passwords.get(username) ?? '' }),
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `${instance}-`));
    await mkdir(join(dir, 'passwords'));
    for (const user of ['admin', ...redisInstanceUsers(instance).map(({ principal }) => principal)]) {
      passwords.set(user, randomBytes(12).toString('hex'));
      await writeFile(join(dir, 'passwords', `${user}-redis-password`), passwords.get(user) ?? '');
    }
    const rendered = await render(join(dir, 'users.acl'));
    expect(rendered.status, rendered.stderr).toBe(0);
    // The pod's file; only its directory, the ACL file's path and where it listens differ here (Redis enters `dir` as it reads it).
    const conf = (files()['redis.conf'] ?? '').replace(/^dir .*$/m, `dir ${dir}`).replace(/^aclfile .*$/m, `aclfile ${join(dir, 'users.acl')}`);
    await writeFile(join(dir, 'redis.conf'), conf);
    port = await freePort();
    server = spawn('redis-server', [join(dir, 'redis.conf'), '--bind', '127.0.0.1', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    for (const stream of [server.stdout, server.stderr]) stream?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
      const admin = connect('admin');
      if (await admin.connect().then(() => admin.ping(), () => undefined)) break;
      if (Date.now() > deadline) throw new Error(`redis-server did not answer: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    if (server && server.exitCode === null) {
      const exited = once(server, 'exit');
      server.kill('SIGTERM');
      await exited;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lets each service user write or read its prefixes, and refuses it every other key', async () => {
    const admin = connect('admin');
    await admin.connect();
    for (const { principal, rules } of redisInstanceUsers(instance)) {
      const client = connect(principal);
      await client.connect();
      for (const [, readOnly, prefix] of rules.matchAll(/(%R)?~(\S*)\*/g)) {
        const key = `${prefix ?? ''}spec:${principal}`;
        await admin.set(key, 'by-admin');
        await expect(client.get(key), `${principal} GET ${key}`).resolves.toBe('by-admin');
        if (readOnly) await expect(client.set(key, principal), `${principal} SET ${key}`).rejects.toThrow(/NOPERM/);
        else await expect(client.set(key, principal)).resolves.toBe('OK');
      }
      await expect(client.set('other:spec', principal), `${principal} outside its prefixes`).rejects.toThrow(/NOPERM/);
      await expect(client.flushall(), `${principal} FLUSHALL`).rejects.toThrow(/NOPERM/);
    }
  });

  it('refuses a client without a user, and a user with a wrong password', async () => {
    // No ready check: it would be refused before the command under test.
    const anonymous = new Redis({ port, host: '127.0.0.1', lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    anonymous.on('error', () => undefined);
    clients.push(anonymous);
    await anonymous.connect();
    await expect(anonymous.get('features:x')).rejects.toThrow(/NOAUTH/);
    const [user] = redisInstanceUsers(instance);
    await expect(anonymous.call('AUTH', user?.principal ?? '', 'not-the-password')).rejects.toThrow(/WRONGPASS/);
    await expect(anonymous.call('AUTH', 'default', '')).rejects.toThrow(/WRONGPASS/);
  });

  it('answers the readiness probe as the admin, whose password it takes from REDISCLI_AUTH', () => {
    const command = mainContainer(find<StatefulSet>('StatefulSet', instance)).readinessProbe?.exec?.command ?? [];
    const probe = (password: string) =>
      spawnSync(command[0] ?? 'sh', [...command.slice(1, -1), `${command.at(-1) ?? ''}`.replace('redis-cli', `redis-cli -p ${port}`)], {
        env: { PATH: process.env['PATH'] ?? '', REDISCLI_AUTH: password },
        encoding: 'utf8',
      }).status;
    expect(probe(passwords.get('admin') ?? '')).toBe(0);
    expect(probe('not-the-password')).not.toBe(0);
  });

  it('keeps its data as its redis.conf says, read back from the running server', async () => {
    const admin = connect('admin');
    await admin.connect();
    const conf = directives(files()['redis.conf'] ?? '');
    for (const setting of ['appendonly', 'appendfsync', 'maxmemory-policy']) {
      const [, value] = (await admin.config('GET', setting)) as [string, string];
      if (conf.has(setting)) expect(value, setting).toBe(conf.get(setting));
    }
  });

  it('stops the pod when a user has no password in the Secret', async () => {
    const [user] = redisInstanceUsers(instance);
    const file = join(dir, 'passwords', `${user?.principal ?? ''}-redis-password`);
    const kept = await readFile(file, 'utf8');
    await rm(file);
    try {
      const result = await render(join(dir, 'missing.acl'));
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`no password for Redis user ${user?.principal ?? ''}`);
    } finally {
      await writeFile(file, kept);
    }
  });
});
