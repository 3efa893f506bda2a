import { execFileSync } from 'node:child_process';
import { fromRoot, workspaceRoot } from './workspace.js';

/** One variable as a service's `--help` documents it. */
export interface DocumentedVariable {
  readonly name: string;
  /** The default as printed; undefined when the variable has none. */
  readonly default?: string;
  /** Whether the service refuses to start without it. */
  readonly mandatory: boolean;
}

/**
 * Builds the services with Nx (cached: nothing to do when they are built), so
 * that their `--help` describes the code as it is.
 */
export function buildServices(services: readonly string[]): void {
  try {
    execFileSync('npx', ['nx', 'run-many', '-t', 'build', '-p', ...services, '--outputStyle=static'], {
      cwd: workspaceRoot,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 16 << 20,
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: Buffer | string; stderr?: Buffer | string };
    const tail = `${String(stdout)}\n${String(stderr)}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`building ${services.join(', ')} failed, so their --help cannot be read:\n${tail}`, { cause: error });
  }
}

/**
 * The environment a built service documents: `node apps/<service>/dist/main.js --help`
 * prints one line per variable (name, default or `(unset)`/`(required)`, description),
 * generated from the same schema that loads its configuration.
 */
export function documentedEnvironment(service: string): Map<string, DocumentedVariable> {
  const help = execFileSync(process.execPath, [fromRoot('apps', service, 'dist', 'main.js'), '--help'], {
    cwd: workspaceRoot,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '' },
    timeout: 30_000,
  });
  return parseConfigHelp(help);
}

/** The variables of a `--help` text (see `formatConfigHelp` of @tributary/config). */
export function parseConfigHelp(help: string): Map<string, DocumentedVariable> {
  const variables = new Map<string, DocumentedVariable>();
  for (const [, name = '', defaultText = ''] of help.matchAll(/^ {2}([A-Z][A-Z0-9_]*) +(\S+) {2}/gm)) {
    const mandatory = defaultText === '(required)';
    const variable = defaultText === '(unset)' || mandatory ? { name, mandatory } : { name, mandatory, default: defaultText };
    variables.set(name, variable);
  }
  return variables;
}

/** Whether a default points at this machine: in a container or pod it must be overridden. */
export function isLoopback(value: string): boolean {
  return /(^|[/@,:])(127\.\d+\.\d+\.\d+|localhost|\[::1\])(?=[:/,]|$)/.test(value);
}
