import { localServiceDefinitions } from '@tributary/infra';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadComposeFile, serviceEnvironment } from './compose-file.js';
import { installDeployTools } from './deploy-tools.js';
import { kustomizeBuild, overlays, parseObjects, type KubernetesObject } from './kustomize.js';
import { buildServices, documentedEnvironment, isLoopback, parseConfigHelp, type DocumentedVariable } from './service-environment.js';

/**
 * Every deployment sets only variables its service documents (`--help` of the
 * built service, generated from the schema that loads its configuration), and
 * sets the ones whose defaults would be wrong there: those pointing at loopback,
 * the mandatory ones, and the service token (authentication is on in deploy/).
 */

const services = localServiceDefinitions.map((definition) => definition.name);
const documented = new Map<string, Map<string, DocumentedVariable>>();

/** Name → value of what one deployment sets for a service (secrets as `<secret>`). */
type Settings = Map<string, string>;
const deployments = new Map<string, Map<string, Settings>>();

beforeAll(() => {
  buildServices(services);
  for (const service of services) documented.set(service, documentedEnvironment(service));

  const { file } = loadComposeFile({ SERVICE_AUTH_TOKEN: 'a-test-token-of-32-characters-ok', CLICKHOUSE_PASSWORD: 'test-password' });
  deployments.set('docker-compose.yml', new Map(services.map((service) => [service, serviceEnvironment(file.services[service] ?? {})])));

  const tools = installDeployTools();
  for (const overlay of overlays) {
    const objects = parseObjects(kustomizeBuild(tools, overlay));
    const configMaps = new Map(
      objects.filter((object) => object.kind === 'ConfigMap').map((object) => [object.metadata.name, (object as KubernetesObject & { data: Record<string, string> }).data]),
    );
    const settings = new Map<string, Settings>();
    for (const service of services) {
      const deployment = objects.find((object) => object.kind === 'Deployment' && object.metadata.name === service) as
        | (KubernetesObject & { spec: { template: { spec: { containers: { env?: { name: string; value?: string; valueFrom?: { configMapKeyRef?: { name: string; key: string }; secretKeyRef?: object } }[]; envFrom?: unknown[] }[] } } } })
        | undefined;
      const container = deployment?.spec.template.spec.containers[0];
      expect(container?.envFrom, `${overlay} ${service}: envFrom would hide which variables are set`).toBeUndefined();
      settings.set(
        service,
        new Map(
          (container?.env ?? []).map((variable) => {
            const ref = variable.valueFrom?.configMapKeyRef;
            const value = variable.value ?? (ref ? configMaps.get(ref.name)?.[ref.key] : variable.valueFrom?.secretKeyRef ? '<secret>' : undefined);
            return [variable.name, value ?? ''];
          }),
        ),
      );
    }
    deployments.set(`deploy/k8s/overlays/${overlay}`, settings);
  }
}, 900_000);

describe('parseConfigHelp()', () => {
  it('reads names, defaults and whether a variable is required', () => {
    const help = [
      'registry — the model registry service. Environment:',
      '  GRPC_PORT           15052                  Port of the gRPC server; 0 picks a free one. Expected: an integer 0–65535.',
      '  SERVICE_AUTH_TOKEN  (unset)                Shared bearer token. Expected: a token.',
      '  MODEL_NAME          (required)             The model. Expected: a name.',
      '  REDIS_URL           redis://127.0.0.1:6379 Redis server. Expected: a URL.',
    ].join('\n');
    expect([...parseConfigHelp(help).values()]).toEqual([
      { name: 'GRPC_PORT', mandatory: false, default: '15052' },
      { name: 'SERVICE_AUTH_TOKEN', mandatory: false },
      { name: 'MODEL_NAME', mandatory: true },
    ]);
  });
});

describe('isLoopback()', () => {
  it('knows the loopback forms of the defaults', () => {
    expect(['127.0.0.1:9092', 'redis://127.0.0.1:6379', 'http://localhost:8123', 'a:1,127.0.0.1:9092', '[::1]:15052'].every(isLoopback)).toBe(true);
    expect(['kafka:9092', 'redis://redis-cache:6379', 'http://clickhouse:8123', '0.0.0.0', 'my-localhost-proxy:80'].some(isLoopback)).toBe(false);
  });
});

describe('the environment of each deployment', () => {
  it('documents something for each service (the --help output was read)', () => {
    for (const service of services) expect(documented.get(service)?.has('OPS_PORT'), service).toBe(true);
  });

  for (const target of ['docker-compose.yml', ...overlays.map((overlay) => `deploy/k8s/overlays/${overlay}`)]) {
    describe(target, () => {
      it.each(services)('%s: sets only documented variables', (service) => {
        const known = documented.get(service) ?? new Map();
        const unknown = [...(deployments.get(target)?.get(service)?.keys() ?? [])].filter((name) => !known.has(name));
        expect(unknown, `not in \`node apps/${service}/dist/main.js --help\``).toEqual([]);
      });

      it.each(services)('%s: overrides loopback defaults, sets mandatory variables and the service token', (service) => {
        const settings = deployments.get(target)?.get(service) ?? new Map<string, string>();
        const needed = [...(documented.get(service)?.values() ?? [])].filter(
          (variable) => variable.mandatory || (variable.default !== undefined && isLoopback(variable.default)) || variable.name === 'SERVICE_AUTH_TOKEN',
        );
        for (const variable of needed) {
          const value = settings.get(variable.name);
          expect(value, `${service} must set ${variable.name} (default: ${variable.default ?? 'none'})`).toBeTruthy();
          expect(isLoopback(value ?? ''), `${service} ${variable.name}=${value} points at the container itself`).toBe(false);
        }
      });

      it.each(localServiceDefinitions)('$name: listens on its documented default ports', ({ name, grpcPort, opsPort }) => {
        const settings = deployments.get(target)?.get(name);
        expect(documented.get(name)?.get('GRPC_PORT')?.default).toBe(String(grpcPort));
        expect(documented.get(name)?.get('OPS_PORT')?.default).toBe(String(opsPort));
        expect(settings?.get('GRPC_PORT')).toBe(String(grpcPort));
        expect(settings?.get('OPS_PORT')).toBe(String(opsPort));
      });
    });
  }
});
