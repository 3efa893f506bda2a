import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { interpolate, type InterpolationProblem } from './compose-interpolation.js';
import { fromRoot } from './workspace.js';

/** The parts of a Compose service the checks read. */
export interface ComposeService {
  readonly image?: string;
  readonly build?: { readonly context?: string; readonly dockerfile?: string; readonly args?: Readonly<Record<string, string>> };
  readonly command?: string | readonly string[];
  readonly environment?: Readonly<Record<string, string | number | boolean | null>> | readonly string[];
  readonly depends_on?: Readonly<Record<string, { readonly condition?: string }>> | readonly string[];
  readonly healthcheck?: { readonly test?: string | readonly string[]; readonly disable?: boolean };
  readonly volumes?: readonly (string | { readonly target?: string })[];
  readonly tmpfs?: string | readonly string[];
  readonly ports?: readonly (string | number | { readonly target?: number })[];
  readonly read_only?: boolean;
  readonly restart?: string;
  readonly stop_grace_period?: string;
  readonly user?: string;
}

/** A Compose file as parsed (YAML merge keys applied). */
export interface ComposeFile {
  readonly name?: string;
  readonly services: Readonly<Record<string, ComposeService>>;
  readonly volumes?: Readonly<Record<string, unknown>>;
}

/** Path of the root docker-compose.yml. */
export const composeFilePath = fromRoot('docker-compose.yml');

/** The compose file as YAML, with `<<` merge keys applied and nothing interpolated. */
export function readComposeFile(path = composeFilePath): ComposeFile {
  return parse(readFileSync(path, 'utf8'), { merge: true }) as ComposeFile;
}

/** The compose file as Compose would see it with `env` as the environment (and `.env`). */
export function loadComposeFile(env: Readonly<Record<string, string | undefined>>, path = composeFilePath): { file: ComposeFile; problems: readonly InterpolationProblem[] } {
  const { value, problems } = interpolate(readComposeFile(path), env);
  return { file: value, problems };
}

/** A service's environment as name → value, from either the map or the `NAME=value` list form. */
export function serviceEnvironment(service: ComposeService): Map<string, string> {
  const environment = service.environment ?? {};
  if (Array.isArray(environment)) {
    return new Map(
      (environment as readonly string[]).map((entry) => {
        const equals = entry.indexOf('=');
        return equals < 0 ? [entry, ''] : [entry.slice(0, equals), entry.slice(equals + 1)];
      }),
    );
  }
  return new Map(Object.entries(environment as Record<string, unknown>).map(([name, value]) => [name, value === null ? '' : String(value)]));
}

/** Compose durations (`1m30s`, `45s`, `500ms`, `1h`) in milliseconds. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(us|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) throw new Error(`not a Compose duration: ${text}`);
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * (units[unit ?? ''] ?? Number.NaN), 0);
}

/**
 * Whether a Redis service of the compose file has every write in its append-only file
 * before it acknowledges it (`--appendonly yes --appendfsync always`), on a volume at /data:
 * what a Redis needs to hold state that outlives a restart of its container or host.
 */
export function keepsEveryWriteOnDisk(service: ComposeService): boolean {
  const command = typeof service.command === 'string' ? service.command.split(/\s+/) : (service.command ?? []);
  const option = (name: string) => {
    const at = command.indexOf(`--${name}`);
    return at < 0 ? undefined : command[at + 1];
  };
  return (
    option('appendonly') === 'yes' &&
    option('appendfsync') === 'always' &&
    (service.volumes ?? []).some((volume) => (typeof volume === 'string' ? volume.split(':')[1] === '/data' : volume.target === '/data'))
  );
}

/** The service a `redis://` URL names: its host's first label (`redis-cache.infra.svc` → `redis-cache`). */
export function redisServiceOf(url: string): string {
  return new URL(url).hostname.split('.')[0] ?? '';
}
