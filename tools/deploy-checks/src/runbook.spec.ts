import { readFileSync } from 'node:fs';
import { localServiceDefinitions } from '@tributary/infra';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildServices, documentedEnvironment, type DocumentedVariable } from './service-environment.js';
import { fromRoot } from './workspace.js';

/**
 * deploy/RUNBOOK.md tells the truth about each service: a section per service
 * with its real ports, and every variable its `--help` documents (generated from
 * the schema that loads its configuration) in a configuration table.
 */
const services = localServiceDefinitions.map((definition) => definition.name);
const runbook = readFileSync(fromRoot('deploy', 'RUNBOOK.md'), 'utf8');
const documented = new Map<string, Map<string, DocumentedVariable>>();

beforeAll(() => {
  buildServices(services);
  for (const service of services) documented.set(service, documentedEnvironment(service));
}, 900_000);

/** The text of `## <service>` up to the next `## `. */
function section(service: string): string {
  const start = runbook.indexOf(`\n## ${service}\n`);
  if (start < 0) return '';
  const end = runbook.indexOf('\n## ', start + 1);
  return runbook.slice(start, end < 0 ? undefined : end);
}

describe('deploy/RUNBOOK.md', () => {
  it.each(localServiceDefinitions.map((definition) => [definition.name, definition] as const))('%s: a section with its ports, scaling, failure behaviour and what to do', (service, definition) => {
    const text = section(service);
    expect(text, `no "## ${service}" section`).not.toBe('');
    expect(text).toContain(`gRPC ${definition.grpcPort}`);
    expect(text).toContain(`ops ${definition.opsPort}`);
    if (definition.restPort !== undefined) expect(text).toContain(`REST ${definition.restPort}`);
    for (const part of ['**Scaling**', '**Failure behaviour**', '| symptom | check | action |', '| variable | default | what |']) expect(text, part).toContain(part);
  });

  it.each(services)('%s: every variable of its --help is in the runbook, with its default', (service) => {
    const variables = documented.get(service) ?? new Map<string, DocumentedVariable>();
    expect(variables.size).toBeGreaterThan(10);
    const own = section(service);
    for (const variable of variables.values()) {
      // Shared variables with one default are in the "Every service" table; the rest in the service's own.
      const row = new RegExp(`^\\| \`${variable.name}\` \\| ([^|]*) \\|`, 'm').exec(own) ?? new RegExp(`^\\| \`${variable.name}\` \\| ([^|]*) \\|`, 'm').exec(runbook);
      expect(row, `${service}: ${variable.name} is not in deploy/RUNBOOK.md`).not.toBeNull();
      const shown = row?.[1]?.trim() ?? '';
      if (shown !== 'per service (below)') expect(shown, `${service}: ${variable.name}`).toBe(variable.default === undefined ? (variable.mandatory ? '(required)' : '(unset)') : `\`${variable.default}\``);
    }
  });
});
