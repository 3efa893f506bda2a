import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import type { DeployTools } from './deploy-tools.js';
import { fromRoot } from './workspace.js';

/** A Kubernetes object as kustomize printed it. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly [field: string]: unknown;
}

/** The overlays under deploy/k8s/overlays. */
export const overlays = ['dev', 'prod'] as const;

/** `kustomize build deploy/k8s/overlays/<overlay>` as YAML text. */
export function kustomizeBuild(tools: DeployTools, overlay: string): string {
  return kustomizeBuildDir(tools, fromRoot('deploy', 'k8s', 'overlays', overlay));
}

/** `kustomize build <dir>` as YAML text, e.g. of deploy/k8s/redis. */
export function kustomizeBuildDir(tools: DeployTools, dir: string): string {
  return execFileSync(tools.kustomize, ['build', dir], { encoding: 'utf8', maxBuffer: 16 << 20 });
}

/** The objects of a multi-document YAML text. */
export function parseObjects(yaml: string): KubernetesObject[] {
  return parseAllDocuments(yaml)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(document.errors.map((error) => error.message).join('\n'));
      return document.toJS() as KubernetesObject | null;
    })
    .filter((object): object is KubernetesObject => object !== null);
}

/** Summary of a kubeconform run. */
export interface KubeconformResult {
  readonly valid: number;
  readonly invalid: number;
  readonly errors: number;
  readonly skipped: number;
  /** `kind name: message` of every resource that was not valid. */
  readonly messages: readonly string[];
}

/**
 * Validates manifests with kubeconform against the strict schemas of the
 * cache (unknown fields are errors; a kind without a schema is an error, not
 * skipped), reading them from stdin.
 */
export function kubeconform(tools: DeployTools, manifests: string): KubeconformResult {
  const args = [
    '-strict',
    '-summary',
    '-output', 'json',
    '-kubernetes-version', tools.kubernetesVersion,
    '-schema-location', `${tools.kubernetesSchemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
    '-',
  ];
  let stdout: string;
  try {
    stdout = execFileSync(tools.kubeconform, args, { input: manifests, encoding: 'utf8', maxBuffer: 16 << 20 });
  } catch (error) {
    // Exit 1 when a resource is invalid: the report is on stdout all the same.
    stdout = String((error as { stdout?: unknown }).stdout ?? '');
    if (stdout === '') throw error;
  }
  const report = JSON.parse(stdout) as {
    resources?: { kind?: string; name?: string; status?: string; msg?: string }[];
    summary: { valid: number; invalid: number; errors: number; skipped: number };
  };
  return {
    ...report.summary,
    messages: (report.resources ?? []).filter((resource) => resource.status !== 'statusValid').map((resource) => `${resource.kind} ${resource.name}: ${resource.msg}`),
  };
}
