import { join } from 'node:path';
import { cachedInstall } from './cached-install.js';
import { resolveInfraConfig } from './infra-config.js';
import type { InfraEventListener } from './infra-reports.js';
import { runCommand } from './run-command.js';
import { findExecutable } from './system-tools.js';
import { MissingSystemPackageError } from './errors.js';

/** Options of {@link ensureGoTool}. */
export interface GoToolOptions {
  /** The command's package, e.g. `github.com/fullstorydev/grpcurl/cmd/grpcurl`. */
  readonly pkg: string;
  /** Its module version, e.g. `v1.9.3`. */
  readonly version: string;
  /** Where tools and Go's module cache live. Default: the infra home's `tools/` (`TRIBUTARY_HOME`, `.tributary`). */
  readonly toolsDir?: string;
  /** Progress of the build. Default: none. */
  readonly onEvent?: InfraEventListener;
}

/**
 * A Go command built once with `go install pkg@version` from the Go module
 * proxy into its own directory under `.tributary/tools`, and reused after.
 * Returns the binary's path. Needs a `go` on PATH (or under /usr/local/go).
 */
export async function ensureGoTool(options: GoToolOptions): Promise<string> {
  const toolsDir = options.toolsDir ?? join(resolveInfraConfig().home, 'tools');
  const command = options.pkg.split('/').at(-1) as string;
  const dir = join(toolsDir, `${command}-${options.version}`);
  await cachedInstall(dir, `${command} ${options.version} (go install from the Go module proxy)`, options.onEvent ?? (() => undefined), async () => {
    const go = (await findExecutable('go')) ?? (await findExecutable('go', { PATH: '/usr/local/go/bin' }));
    if (go === undefined) throw new MissingSystemPackageError('go', 'golang-go', 'not on PATH nor in /usr/local/go/bin');
    await runCommand(go, ['install', `${options.pkg}@${options.version}`], {
      env: { GOBIN: join(dir, 'bin'), GOPATH: join(toolsDir, 'go'), GOFLAGS: '-modcacherw', CGO_ENABLED: '0' },
    });
  });
  return join(dir, 'bin', command);
}
