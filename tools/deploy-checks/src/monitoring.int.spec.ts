/**
 * deploy/prometheus and deploy/grafana against what the services really export:
 * promtool checks the rules and runs their unit tests, and every metric an
 * alert, a dashboard panel or the HPA's adapter rule reads is one the built
 * services expose on /metrics (started here on free ports, in the test
 * namespace) — of the dashboard's own service for a dashboard.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localServiceDefinitions, onFreePorts, startLocalServices } from '@tributary/infra';
import { exportedMetricNames } from '@tributary/observability';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { installDeployTools, type DeployTools } from './deploy-tools.js';
import { promqlMetricNames } from './promql-metric-names.js';
import { buildServices } from './service-environment.js';
import { fromRoot } from './workspace.js';

interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly annotations?: Record<string, string>;
}
interface Dashboard {
  readonly uid: string;
  readonly panels: { readonly title: string; readonly targets?: { readonly expr: string }[] }[];
}

const services = localServiceDefinitions.map((definition) => definition.name);
/** Series Prometheus makes itself for every target. */
const prometheusSeries = new Set(['up']);
const rulesFile = fromRoot('deploy', 'prometheus', 'tributary-rules.yml');
const rules = (parse(readFileSync(rulesFile, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((group) => group.rules);
const dashboards = new Map(readdirSync(fromRoot('deploy', 'grafana')).filter((file) => file.endsWith('.json')).map((file) => [file.replace(/\.json$/, ''), JSON.parse(readFileSync(fromRoot('deploy', 'grafana', file), 'utf8')) as Dashboard]));
const exported = new Map<string, Set<string>>();
let tools: DeployTools;

/** promtool's exit status and output. */
function promtool(...args: string[]): { status: number; output: string } {
  try {
    return { status: 0, output: execFileSync(tools.promtool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (error) {
    const { status = 1, stdout = '', stderr = '' } = error as { status?: number; stdout?: string; stderr?: string };
    return { status, output: `${stdout}${stderr}` };
  }
}

beforeAll(async () => {
  tools = installDeployTools();
  buildServices(services);
  const definitions = [];
  for (const service of localServiceDefinitions) definitions.push(await onFreePorts(service));
  const registry = definitions.find((definition) => definition.name === 'registry');
  const running = await startLocalServices({
    services: definitions,
    logDir: mkdtempSync(join(tmpdir(), 'monitoring-')),
    env: { ...process.env, LOG_LEVEL: 'warn', REGISTRY_ADDRESS: `127.0.0.1:${registry?.grpcPort}`, INFERENCE_MODELS: 'monitoring-check' },
  });
  try {
    for (const service of running.services) {
      const metrics = await (await fetch(`http://127.0.0.1:${service.opsPort}/metrics`)).text();
      exported.set(service.name, exportedMetricNames(metrics));
    }
  } finally {
    await running.stop();
  }
}, 900_000);

const unknownIn = (expression: string, known: ReadonlySet<string>) => [...promqlMetricNames(expression)].filter((name) => !known.has(name) && !prometheusSeries.has(name));
const anyService = () => new Set([...exported.values()].flatMap((names) => [...names]));

describe('deploy/prometheus/tributary-rules.yml', () => {
  it('passes promtool check rules', () => {
    const { status, output } = promtool('check', 'rules', rulesFile);
    expect(output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(status).toBe(0);
  });

  it('passes its unit tests (promtool test rules): the key alerts fire when and only when they should', () => {
    const { status, output } = promtool('test', 'rules', fromRoot('deploy', 'prometheus', 'tributary-rules.test.yml'));
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  it('is checked for real: promtool refuses a rule that does not parse', () => {
    const broken = join(mkdtempSync(join(tmpdir(), 'rules-')), 'broken.yml');
    writeFileSync(broken, 'groups:\n  - name: g\n    rules:\n      - alert: Broken\n        expr: sum(rate(tributary_breaker_state[5m])\n');
    const { status, output } = promtool('check', 'rules', broken);
    expect(status).not.toBe(0);
    expect(output).toMatch(/parse error|unclosed/i);
  });

  it('reads only metrics the services export', () => {
    const known = anyService();
    for (const rule of rules) expect(unknownIn(rule.expr, known), rule.alert ?? rule.record).toEqual([]);
    expect(rules.length).toBeGreaterThan(10);
  });

  it('points every alert at its section of deploy/RUNBOOK.md', () => {
    const runbook = readFileSync(fromRoot('deploy', 'RUNBOOK.md'), 'utf8');
    for (const rule of rules.filter((candidate) => candidate.alert)) {
      expect(rule.annotations?.['runbook'], rule.alert).toBe(`deploy/RUNBOOK.md#${rule.alert?.toLowerCase()}`);
      expect(runbook, `no "### ${rule.alert}" in deploy/RUNBOOK.md`).toContain(`### ${rule.alert}\n`);
    }
  });
});

describe('deploy/grafana', () => {
  it('has one dashboard per service', () => {
    expect([...dashboards.keys()].sort()).toEqual([...services].sort());
  });

  it.each(services)('%s: every panel reads metrics its service exports, of its own job', (service) => {
    const dashboard = dashboards.get(service);
    const known = exported.get(service) ?? new Set<string>();
    expect(dashboard?.uid).toBe(`tributary-${service}`);
    const targets = (dashboard?.panels ?? []).flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));
    expect(targets.length).toBeGreaterThan(5);
    for (const { panel, expr } of targets) {
      expect(unknownIn(expr, known), `${service} / ${panel}`).toEqual([]);
      expect([...expr.matchAll(/job="([^"]*)"/g)].map((match) => match[1]), `${service} / ${panel}`).toEqual(expect.arrayContaining([service]));
      expect(expr).not.toMatch(new RegExp(`job="(?!${service}")`));
    }
  });

  it('shows consumer lag, breakers and fallback tiers where they are', () => {
    const reads = (service: string) => new Set((dashboards.get(service)?.panels ?? []).flatMap((panel) => (panel.targets ?? []).flatMap((target) => [...promqlMetricNames(target.expr)])));
    for (const consumer of ['ingestion', 'feature-pipeline', 'trainer']) expect(reads(consumer), consumer).toContain('tributary_kafka_consumer_lag');
    expect(reads('inference')).toContain('tributary_breaker_state');
    expect(reads('inference')).toContain('tributary_serving_answers_total');
  });
});

describe('deploy/prometheus/adapter-rules.yaml', () => {
  it('serves the metric the inference HPA scales on, from series inference exports', () => {
    const adapter = parse(readFileSync(fromRoot('deploy', 'prometheus', 'adapter-rules.yaml'), 'utf8')) as {
      rules: { seriesQuery: string; metricsQuery: string; name: { as: string } }[];
    };
    const hpa = parse(readFileSync(fromRoot('deploy', 'k8s', 'base', 'inference.yaml'), 'utf8').split(/^---$/m).find((document) => document.includes('kind: HorizontalPodAutoscaler')) ?? '') as {
      spec: { metrics: { type: string; pods?: { metric: { name: string } } }[] };
    };
    const podsMetric = hpa.spec.metrics.find((metric) => metric.type === 'Pods')?.pods?.metric.name;
    const rule = adapter.rules.find((candidate) => candidate.name.as === podsMetric);
    expect(rule, `no adapter rule serves ${podsMetric}`).toBeDefined();
    const known = exported.get('inference') ?? new Set<string>();
    // The adapter's <<.LabelMatchers>> and <<.GroupBy>> are filled in at query time.
    const query = (rule?.metricsQuery ?? '').replaceAll('<<.LabelMatchers>>', 'pod="p"').replaceAll('<<.GroupBy>>', 'pod');
    expect(unknownIn(query, known)).toEqual([]);
    expect(unknownIn(rule?.seriesQuery ?? '', known)).toEqual([]);
    expect(promqlMetricNames(query).size).toBe(2);
  });
});
