import type { PlatformStatus } from './platform-status.js';

/** The status as lines for a terminal: services, breakers, consumer lag, models, then the problems. */
export function formatPlatformStatus(status: PlatformStatus): string[] {
  const lines: string[] = [`Tributary status at ${status.checkedAt.toISOString()}`, '', 'services'];
  const nameWidth = Math.max(...status.services.map((service) => service.name.length), 7);
  for (const service of status.services) {
    const state = service.ready ? 'ready' : service.alive ? 'NOT READY' : 'DOWN';
    const checks = Object.entries(service.checks)
      .map(([check, value]) => `${check} ${value}`)
      .join(', ');
    const detail = service.ready ? [service.version && `v${service.version}`, checks].filter(Boolean).join('  ') : (service.reason ?? '');
    lines.push(`  ${mark(service.ready)} ${service.name.padEnd(nameWidth)}  ${state.padEnd(9)}  ${service.opsUrl}  ${detail}`.trimEnd());
  }

  lines.push('', 'breakers');
  if (status.breakers.length === 0) lines.push('  (none reported)');
  for (const breaker of status.breakers) lines.push(`  ${mark(breaker.state === 'closed')} ${breaker.service}: ${breaker.breaker} ${breaker.state}`);

  lines.push('', 'consumer lag');
  if ('error' in status.consumerLag) lines.push(`  ✗ ${status.consumerLag.error}`);
  else if (status.consumerLag.groups.length === 0) lines.push('  (no groups asked)');
  else {
    for (const group of status.consumerLag.groups) {
      const stalled = group.members === 0 && group.totalLag > 0n;
      lines.push(`  ${mark(!stalled)} ${group.groupId}: ${group.state}, ${group.members} member(s), lag ${group.totalLag}`);
      for (const partition of group.partitions) {
        lines.push(`      ${partition.topic}[${partition.partition}]  committed ${partition.committed}  end ${partition.end}  lag ${partition.lag}`);
      }
    }
  }

  lines.push('', 'models');
  if (status.models.length === 0) lines.push('  (no models asked)');
  for (const model of status.models) {
    const aliases = model.registryError !== undefined ? `registry: ${model.registryError}` : Object.entries(model.aliases).map(([alias, version]) => `${alias} ${version === undefined ? '-' : `v${version}`}`).join(', ');
    const served =
      model.servedError !== undefined ? `inference: ${model.servedError}` : model.served ? `served ${model.served.map((version) => `v${version.version} (${version.inferenceCount} answered)`).join(', ') || 'nothing'}` : '';
    lines.push(`  ${model.model}: ${aliases}${served ? `; ${served}` : ''}`);
  }

  lines.push('');
  if (status.problems.length === 0) lines.push('✓ all well');
  else {
    lines.push(`✗ ${status.problems.length} problem(s)`);
    for (const problem of status.problems) lines.push(`  - ${problem}`);
  }
  return lines;
}

/** The status as plain JSON (`--json`): offsets as numbers, no `/metrics` pages. */
export function platformStatusJson(status: PlatformStatus): Record<string, unknown> {
  return {
    checkedAt: status.checkedAt.toISOString(),
    ok: status.problems.length === 0,
    problems: status.problems,
    services: status.services.map(({ metricsText: _metricsText, breakers: _breakers, ...service }) => service),
    breakers: status.breakers,
    consumerLag:
      'error' in status.consumerLag
        ? { error: status.consumerLag.error }
        : status.consumerLag.groups.map((group) => ({
            ...group,
            totalLag: Number(group.totalLag),
            partitions: group.partitions.map((partition) => ({ ...partition, committed: Number(partition.committed), end: Number(partition.end), lag: Number(partition.lag) })),
          })),
    models: status.models,
  };
}

function mark(good: boolean): string {
  return good ? '✓' : '✗';
}
