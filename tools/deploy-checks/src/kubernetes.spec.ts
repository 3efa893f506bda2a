import { localServiceDefinitions } from '@tributary/infra';
import { allTopics } from '@tributary/kafka';
import { beforeAll, describe, expect, it } from 'vitest';
import { keepsEveryWriteOnDisk, readComposeFile, redisServiceOf } from './compose-file.js';
import { installDeployTools, type DeployTools } from './deploy-tools.js';
import { kubeconform, kustomizeBuild, overlays, parseObjects, type KubernetesObject } from './kustomize.js';
import { parseTopicLines } from './topic-lines.js';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { configMapKeyRef?: { name: string; key: string }; secretKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  affinity?: {
    podAntiAffinity?: {
      preferredDuringSchedulingIgnoredDuringExecution?: { podAffinityTerm: { topologyKey: string; labelSelector: { matchLabels: Record<string, string> } } }[];
    };
  };
  containers: Container[];
  volumes?: { name: string; emptyDir?: object }[];
}
interface Workload extends KubernetesObject {
  spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}
interface NetworkPolicyPeer {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
}
interface NetworkPolicyRule {
  from?: NetworkPolicyPeer[];
  to?: NetworkPolicyPeer[];
  ports?: { port: number }[];
}
interface NetworkPolicy extends KubernetesObject {
  spec: { podSelector: { matchLabels?: Record<string, string> }; policyTypes: string[]; ingress?: NetworkPolicyRule[]; egress?: NetworkPolicyRule[] };
}

const services = localServiceDefinitions.map((definition) => definition.name);
/** The custom metric the inference HPA scales on, as prometheus-adapter serves it. */
const inFlightMetric = 'tributary_inference_in_flight_requests';
let tools: DeployTools;
const built = new Map<string, { yaml: string; objects: KubernetesObject[] }>();

beforeAll(() => {
  tools = installDeployTools();
  for (const overlay of overlays) {
    const yaml = kustomizeBuild(tools, overlay);
    built.set(overlay, { yaml, objects: parseObjects(yaml) });
  }
}, 900_000);

const objectsOf = (overlay: string) => built.get(overlay)?.objects ?? [];
const find = <T extends KubernetesObject>(overlay: string, kind: string, name: string): T => {
  const found = objectsOf(overlay).find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`${overlay}: no ${kind} ${name}`);
  return found as T;
};
/** Objects kustomize generated with a hash suffix are found by their base name. */
const generated = (overlay: string, kind: string, baseName: string): KubernetesObject | undefined =>
  objectsOf(overlay).find((object) => object.kind === kind && new RegExp(`^${baseName}-[a-z0-9]{10}$`).test(object.metadata.name));
const mainContainer = (workload: Workload): Container => {
  const [container] = workload.spec.template.spec.containers;
  if (!container) throw new Error(`${workload.metadata.name} has no container`);
  return container;
};
/** Value of an env var, following configMapKeyRef into the built ConfigMaps. */
const envValue = (overlay: string, container: Container, name: string): string | undefined => {
  const variable = container.env?.find((candidate) => candidate.name === name);
  if (!variable) return undefined;
  if (variable.value !== undefined) return variable.value;
  const ref = variable.valueFrom?.configMapKeyRef;
  if (!ref) return undefined;
  const configMap = find<KubernetesObject & { data: Record<string, string> }>(overlay, 'ConfigMap', ref.name);
  return configMap.data[ref.key];
};

describe.each(overlays)('deploy/k8s/overlays/%s', (overlay) => {
  it('builds with kustomize and passes kubeconform with strict schemas', () => {
    const yaml = built.get(overlay)?.yaml ?? '';
    const result = kubeconform(tools, yaml);
    expect(result.messages).toEqual([]);
    expect(result).toMatchObject({ invalid: 0, errors: 0, skipped: 0 });
    expect(result.valid).toBe(objectsOf(overlay).length);
    expect(result.valid).toBeGreaterThan(30);
  });

  it('puts everything in the overlay namespace', () => {
    const namespace = overlay === 'prod' ? 'tributary' : `tributary-${overlay}`;
    for (const object of objectsOf(overlay)) expect(object.metadata.namespace, `${object.kind} ${object.metadata.name}`).toBe(namespace);
  });

  it.each(services)('%s: probes on the ops port, graceful drain, hardened pod', (service) => {
    const workload = find<Workload>(overlay, 'Deployment', service);
    const pod = workload.spec.template.spec;
    const container = mainContainer(workload);
    const opsPort = Number(envValue(overlay, container, 'OPS_PORT'));
    expect(opsPort).toBe(localServiceDefinitions.find((definition) => definition.name === service)?.opsPort);
    expect(container.ports?.find((port) => port.name === 'ops')?.containerPort).toBe(opsPort);
    expect(container.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'ops' });
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'ops' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'ops' });

    const preStop = container.lifecycle?.preStop?.exec?.command ?? [];
    expect(preStop[0]).toBe('sleep');
    const preStopSeconds = Number(preStop[1]);
    expect(preStopSeconds).toBeGreaterThan(0);
    const shutdownSeconds = Number(envValue(overlay, container, 'SHUTDOWN_TIMEOUT_MS')) / 1000;
    const runDrainSeconds = Number(envValue(overlay, container, 'TRAINER_DRAIN_TIMEOUT_MS') ?? 0) / 1000;
    expect(shutdownSeconds).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStopSeconds + shutdownSeconds + runDrainSeconds);

    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp');
    expect(pod.volumes?.find((volume) => volume.name === tmp?.name)?.emptyDir).toBeDefined();

    const antiAffinity = pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.podAffinityTerm;
    expect(antiAffinity?.topologyKey).toBe('kubernetes.io/hostname');
    expect(antiAffinity?.labelSelector.matchLabels).toEqual(workload.spec.selector.matchLabels);
    for (const kind of ['requests', 'limits'] as const) expect(Object.keys(container.resources?.[kind] ?? {}).sort(), kind).toEqual(['cpu', 'memory']);
    expect(container.image).not.toMatch(/:latest$/);
    expect(container.image).toMatch(new RegExp(`tributary/${service}:[\\w.-]+$`));
  });

  it.each(services)('%s: own ServiceAccount, Service, PodDisruptionBudget and token from a Secret', (service) => {
    const workload = find<Workload>(overlay, 'Deployment', service);
    const labels = workload.spec.template.metadata.labels;
    const container = mainContainer(workload);
    expect(labels['app.kubernetes.io/part-of']).toBe('tributary');
    const account = find(overlay, 'ServiceAccount', service);
    expect(workload.spec.template.spec.serviceAccountName).toBe(account.metadata.name);

    const serviceObject = find<KubernetesObject & { spec: { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] } }>(overlay, 'Service', service);
    for (const [key, value] of Object.entries(serviceObject.spec.selector)) expect(labels[key]).toBe(value);
    for (const port of serviceObject.spec.ports) {
      expect(container.ports?.find((containerPort) => containerPort.name === port.targetPort)?.containerPort, port.name).toBe(port.port);
    }
    const budget = find<KubernetesObject & { spec: { selector: { matchLabels: Record<string, string> } } }>(overlay, 'PodDisruptionBudget', service);
    expect(budget.spec.selector.matchLabels).toEqual(workload.spec.selector.matchLabels);

    const token = container.env?.find((variable) => variable.name === 'SERVICE_AUTH_TOKEN')?.valueFrom?.secretKeyRef;
    expect(token?.key).toBe('service-auth-token');
    if (overlay === 'prod') {
      expect(token?.name, 'made by the cluster secret manager').toBe('tributary-secrets');
    } else {
      expect(token?.name).toBe(generated(overlay, 'Secret', 'tributary-secrets')?.metadata.name);
    }
    for (const variable of container.env ?? []) {
      const ref = variable.valueFrom?.configMapKeyRef;
      if (ref) expect(find<KubernetesObject & { data: Record<string, string> }>(overlay, 'ConfigMap', ref.name).data, variable.name).toHaveProperty([ref.key]);
    }
  });

  it('scales inference on CPU and on requests in flight with an HPA that owns its replica count', () => {
    const autoscaler = find<KubernetesObject & { spec: Record<string, unknown> }>(overlay, 'HorizontalPodAutoscaler', 'inference');
    expect(autoscaler.apiVersion).toBe('autoscaling/v2');
    expect(autoscaler.spec['scaleTargetRef']).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'inference' });
    expect(autoscaler.spec['metrics']).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      // Served by prometheus-adapter under this name (deploy/prometheus/adapter-rules.yaml; monitoring.int.spec.ts checks its query).
      { type: 'Pods', pods: { metric: { name: inFlightMetric }, target: { type: 'AverageValue', averageValue: '8' } } },
    ]);
    expect(Number(autoscaler.spec['minReplicas'])).toBeLessThan(Number(autoscaler.spec['maxReplicas']));
    expect(find<Workload>(overlay, 'Deployment', 'inference').spec.replicas, 'a replicas field would fight the HPA on every apply').toBeUndefined();
  });

  it('denies by default and lets only the flows of DESIGN.md through', () => {
    const policies = objectsOf(overlay).filter((object): object is NetworkPolicy => object.kind === 'NetworkPolicy');
    const policy = (name: string) => {
      const found = policies.find((candidate) => candidate.metadata.name === name);
      if (!found) throw new Error(`${overlay}: no NetworkPolicy ${name}`);
      return found;
    };
    const deny = policy('default-deny');
    expect(deny.spec).toEqual({ podSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'tributary' } }, policyTypes: ['Ingress', 'Egress'] });
    for (const service of services) {
      expect(policy(service).spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': service });
      expect(policy(service).spec.policyTypes).toEqual(['Ingress', 'Egress']);
    }
    const grpcPort = (name: string) => localServiceDefinitions.find((definition) => definition.name === name)?.grpcPort;
    // The registry answers the services that read models from it, and nobody else.
    const registryCallers = policy('registry')
      .spec.ingress?.filter((rule) => rule.ports?.some((port) => port.port === grpcPort('registry')))
      .flatMap((rule) => rule.from ?? [{}])
      .map((peer) => peer.podSelector?.matchLabels?.['app.kubernetes.io/name'] ?? 'anyone');
    expect(registryCallers?.sort()).toEqual(['drift-monitor', 'inference', 'trainer']);
    const callsRegistry = services.filter((service) =>
      policy(service).spec.egress?.some((rule) => rule.to?.some((peer) => peer.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'registry')),
    );
    expect(callsRegistry.sort()).toEqual(['drift-monitor', 'inference', 'trainer']);
    // Open to clients: ingestion's Ingest and inference's predictions.
    const openPorts = services.filter((service) => policy(service).spec.ingress?.some((rule) => rule.from === undefined));
    expect(openPorts.sort()).toEqual(['inference', 'ingestion']);
    // Only what each talks to: Kafka 9092, Redis 6379, ClickHouse 8123, OTLP 4318.
    const egressPorts = (service: string) =>
      (policy(service).spec.egress ?? [])
        .filter((rule) => rule.to === undefined)
        .flatMap((rule) => rule.ports?.map((port) => port.port) ?? [])
        .sort((a, b) => a - b);
    expect(egressPorts('ingestion')).toEqual([4318, 6379, 8123, 9092]);
    expect(egressPorts('registry')).toEqual([4318, 6379, 9092]);
    expect(egressPorts('trainer')).toEqual([4318, 8123, 9092]);
    expect(egressPorts('inference')).toEqual([4318, 6379, 9092]);
  });

  it('allows exactly the flows of DESIGN.md, each service to and from what it talks to, and nothing else', () => {
    const policies = objectsOf(overlay).filter((object): object is NetworkPolicy => object.kind === 'NetworkPolicy');
    const peerName = (peer: NetworkPolicyPeer | undefined): string => {
      if (peer === undefined) return 'anyone';
      const pod = peer.podSelector?.matchLabels?.['app.kubernetes.io/name'] ?? peer.podSelector?.matchLabels?.['k8s-app'];
      const namespace = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
      return [namespace && `namespace ${namespace}`, pod && `pod ${pod}`].filter(Boolean).join(' ') || 'anyone';
    };
    const selected = (policy: NetworkPolicy) =>
      policy.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] ?? (policy.spec.podSelector.matchLabels?.['app.kubernetes.io/part-of'] === 'tributary' ? 'every pod' : '?');
    const allowed = policies.flatMap((policy) =>
      (['ingress', 'egress'] as const).flatMap((direction) =>
        (policy.spec[direction] ?? []).flatMap((rule) =>
          ((direction === 'ingress' ? rule.from : rule.to) ?? [undefined]).flatMap((peer) =>
            (rule.ports ?? []).map((port) => `${selected(policy)} ${direction === 'ingress' ? 'from' : 'to'} ${peerName(peer)} :${port.port}`),
          ),
        ),
      ),
    );
    const grpc = (name: string) => localServiceDefinitions.find((definition) => definition.name === name)?.grpcPort;
    const ops = (name: string) => localServiceDefinitions.find((definition) => definition.name === name)?.opsPort;
    // Kafka 9092, Redis 6379, ClickHouse 8123 and the collector 4318 may be outside the cluster: allowed by port.
    const stores = { kafka: 9092, redis: 6379, clickhouse: 8123, otlp: 4318 };
    const uses: Record<string, (keyof typeof stores)[]> = {
      ingestion: ['kafka', 'redis', 'clickhouse', 'otlp'],
      registry: ['kafka', 'redis', 'otlp'],
      'feature-pipeline': ['kafka', 'redis', 'clickhouse', 'otlp'],
      trainer: ['kafka', 'clickhouse', 'otlp'],
      inference: ['kafka', 'redis', 'otlp'],
      'drift-monitor': ['kafka', 'clickhouse', 'otlp'],
    };
    const expected = [
      'every pod to namespace kube-system pod kube-dns :53',
      'every pod to namespace kube-system pod kube-dns :53',
      'kafka-topics to anyone :9092',
      ...services.flatMap((service) => [
        `${service} from namespace monitoring :${ops(service)}`,
        ...(uses[service] ?? []).map((store) => `${service} to anyone :${stores[store]}`),
      ]),
      // Clients: ingestion's Ingest, inference's gRPC and REST.
      `ingestion from anyone :${grpc('ingestion')}`,
      `inference from anyone :${grpc('inference')}`,
      'inference from anyone :8055',
      // Only the services that read or register models call the registry.
      ...['trainer', 'inference', 'drift-monitor'].flatMap((caller) => [`registry from pod ${caller} :${grpc('registry')}`, `${caller} to pod registry :${grpc('registry')}`]),
      // dev runs deploy/k8s/redis beside the services: each Redis answers its clients and calls nobody.
      ...(overlay === 'dev'
        ? [
            'redis-features from pod feature-pipeline :6379',
            'redis-features from pod inference :6379',
            'redis-cache from pod ingestion :6379',
            'redis-cache from pod inference :6379',
            'redis-registry from pod registry :6379',
          ]
        : []),
    ];
    expect(allowed.sort()).toEqual(expected.sort());
  });

  it('creates exactly the topic catalogue of libs/kafka, with the overlay replication factor', () => {
    const job = find<KubernetesObject & { spec: { template: { spec: PodSpec } } }>(overlay, 'Job', 'kafka-topics');
    const [container] = job.spec.template.spec.containers;
    if (!container) throw new Error('kafka-topics has no container');
    const topics = parseTopicLines(container.env?.find((variable) => variable.name === 'TOPICS')?.value ?? '');
    expect(topics).toEqual(
      allTopics.map((topic) => ({ name: topic.name, partitions: topic.partitions, retentionMs: topic.retentionMs, cleanupPolicy: topic.cleanupPolicy })),
    );
    expect(envValue(overlay, container, 'REPLICATION_FACTOR')).toBe(overlay === 'prod' ? '3' : '1');
    expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
  });

  it('keeps the registry artifacts on a volume and its metadata in its own Redis', () => {
    const registry = find<Workload>(overlay, 'Deployment', 'registry');
    expect(find(overlay, 'PersistentVolumeClaim', 'registry-artifacts')).toBeDefined();
    expect(envValue(overlay, mainContainer(registry), 'REGISTRY_ARTIFACT_DIR')).toMatch(/^\/var\/lib\/tributary\//);
    expect(envValue(overlay, mainContainer(registry), 'REDIS_URL')).toMatch(/^redis:\/\/redis-registry[.:]/);
    expect(envValue(overlay, mainContainer(find<Workload>(overlay, 'Deployment', 'ingestion')), 'REDIS_URL')).toMatch(/^redis:\/\/redis-cache[.:]/);
  });

  it('keeps the feature pipeline\'s online features and checkpoint in a Redis that has every write on disk', () => {
    const url = envValue(overlay, mainContainer(find<Workload>(overlay, 'Deployment', 'feature-pipeline')), 'REDIS_URL') ?? '';
    expect(redisServiceOf(url)).toBe('redis-features');
    // The overlays expect each Redis under its compose name (deploy/README.md); compose defines how it keeps its data.
    const redis = readComposeFile().services[redisServiceOf(url)];
    expect(redis && keepsEveryWriteOnDisk(redis), `${url}: Kafka offsets are committed once its checkpoint is acknowledged`).toBe(true);
  });
});

describe('kubeconform with the cached schemas', () => {
  it('rejects an unknown field and an unknown kind (the schemas are strict and present)', () => {
    const manifests = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: typo}',
      'spec:',
      '  selector: {matchLabels: {a: b}}',
      '  template:',
      '    metadata: {labels: {a: b}}',
      '    spec:',
      '      containers: [{name: c, image: "x:1", imagePullPolicy: IfNotPresent, livenessProbes: {}}]',
      '---',
      'apiVersion: example.com/v1',
      'kind: Widget',
      'metadata: {name: w}',
    ].join('\n');
    const result = kubeconform(tools, manifests);
    expect(result).toMatchObject({ valid: 0, invalid: 1, errors: 1, skipped: 0 });
    expect(result.messages.join('\n')).toMatch(/livenessProbes/);
  });
});
