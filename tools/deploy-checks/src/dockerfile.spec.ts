import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localServiceDefinitions } from '@tributary/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installDeployTools, type DeployTools } from './deploy-tools.js';
import { parseDockerfile, type DockerfileInstruction } from './dockerfile.js';
import { fromRoot, workspaceRoot } from './workspace.js';

const dockerfilePath = fromRoot('deploy', 'Dockerfile');
const dockerfile = parseDockerfile(readFileSync(dockerfilePath, 'utf8'));
const finalStage = dockerfile.stages.at(-1);
const stage = (name: string) => {
  const found = dockerfile.stages.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`deploy/Dockerfile has no stage ${name}`);
  return found;
};
const finalInstructions = (keyword: string): DockerfileInstruction[] => (finalStage?.instructions ?? []).filter((instruction) => instruction.keyword === keyword);
const runs = (name: string) =>
  stage(name)
    .instructions.filter((instruction) => instruction.keyword === 'RUN')
    .map((instruction) => instruction.args)
    .join('\n');

let tools: DeployTools;
let scratch: string;
beforeAll(() => {
  tools = installDeployTools();
  scratch = mkdtempSync(join(tmpdir(), 'deploy-checks-'));
}, 900_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs hadolint on a Dockerfile and returns its findings (any level fails). */
function hadolint(path: string): { code: string; message: string; line: number }[] {
  const result = spawnSync(tools.hadolint, ['--no-color', '--format', 'json', '--failure-threshold', 'style', path], { encoding: 'utf8' });
  if (result.error) throw result.error;
  return JSON.parse(result.stdout || '[]') as { code: string; message: string; line: number }[];
}

describe('deploy/Dockerfile', () => {
  it('passes hadolint with no finding at any level', () => {
    expect(hadolint(dockerfilePath)).toEqual([]);
  });

  it('is linted for real: hadolint flags an unpinned base image and a root user', () => {
    const bad = join(scratch, 'Dockerfile.bad');
    writeFileSync(bad, 'FROM node:latest\nRUN apt-get update && apt-get install -y curl\nUSER root\nCMD node main.js\n');
    const codes = hadolint(bad).map((finding) => finding.code);
    expect(codes).toEqual(expect.arrayContaining(['DL3007', 'DL3008', 'DL3002', 'DL3025']));
  });

  it('starts from node 20 bookworm-slim pinned by a full version tag', () => {
    const image = dockerfile.globalArgs.find((instruction) => instruction.keyword === 'ARG' && instruction.args.startsWith('NODE_IMAGE='));
    expect(image?.args).toMatch(/^NODE_IMAGE=node:20\.\d+\.\d+-bookworm-slim$/);
    expect(dockerfile.stages[0]?.from).toBe('${NODE_IMAGE}');
  });

  it('installs what the lockfile pins, builds the service and its libraries with Nx, and ships production dependencies only', () => {
    // npm ci refuses the lockfile (no darwin/win32 builds of buf on its registry): npm install, failing if it re-resolved anything.
    const npmVersion = dockerfile.globalArgs.find((instruction) => instruction.args.startsWith('NPM_VERSION='))?.args;
    expect(npmVersion).toMatch(/^NPM_VERSION=\d+\.\d+\.\d+$/);
    expect(runs('npm')).toContain('npm install --global --ignore-scripts --loglevel=error "npm@${NPM_VERSION}"');
    const lockfileKept = /^cp package-lock\.json \/tmp\/package-lock\.json && npm install .* && \{ cmp -s package-lock\.json \/tmp\/package-lock\.json \|\| \{ .*exit 1; \}; \}$/;
    for (const name of ['deps', 'runtime-deps']) {
      expect(stage(name).from, `${name} installs with the pinned npm`).toBe('npm');
      expect(runs(name).replace(/^--mount=\S+\s+/, '').replace(/\s+/g, ' '), name).toMatch(lockfileKept);
      expect(runs(name), name).not.toMatch(/npm ci\b/);
    }
    expect(runs('deps')).toMatch(/npm install --ignore-scripts /);
    expect(runs('build')).toContain('npx nx run "${SERVICE}:build"');
    expect(runs('runtime-deps')).toMatch(/npm install --omit=dev --ignore-scripts .*--workspace="apps\/\$\{SERVICE\}"/);
    const copies = finalInstructions('COPY').map((instruction) => instruction.args);
    expect(copies).toEqual(['--from=runtime-deps /app/ ./', '--from=build /out/ ./']);
  });

  it('ships the packages patches/ fixes as patched: patch-package in deps, each patched package copied from there into runtime-deps', () => {
    const patched = readdirSync(fromRoot('patches')).map((file) => /^(.+)\+[^+]+\.patch$/.exec(file)?.[1]?.replace(/\+/g, '/'));
    expect(patched.length).toBeGreaterThan(0);
    expect(runs('manifests')).toContain('cp -r patches /manifests/');
    expect(runs('deps')).toMatch(/npm install --ignore-scripts [^&]*&& npx --no-install patch-package --error-on-fail/);
    const copies = stage('runtime-deps').instructions.filter((instruction) => instruction.keyword === 'COPY').map((instruction) => instruction.args);
    for (const name of patched) expect(copies, `${name} as patched`).toContain(`--from=deps /app/node_modules/${name}/ ./node_modules/${name}/`);
  });

  it('runs as a numeric non-root user, stops with SIGTERM and checks /healthz with node', () => {
    expect(finalInstructions('USER').map((instruction) => instruction.args)).toEqual(['1000:1000']);
    expect(finalInstructions('STOPSIGNAL').map((instruction) => instruction.args)).toEqual(['SIGTERM']);
    const [healthcheck] = finalInstructions('HEALTHCHECK');
    expect(healthcheck?.args).toMatch(/CMD \["node", "-e", ".*fetch\('http:\/\/127\.0\.0\.1:' \+ process\.env\.OPS_PORT \+ '\/healthz'/);
    expect(finalInstructions('VOLUME').map((instruction) => instruction.args)).toEqual(['["/tmp"]']);
    expect(finalInstructions('ENTRYPOINT').map((instruction) => instruction.args)).toEqual(['["node", "/app/main.js"]']);
    expect(runs('build')).toContain('ln -s "apps/${SERVICE}/dist/main.js" /out/main.js');
  });

  it('labels the image with its version and git revision (OCI annotations)', () => {
    const labels = finalInstructions('LABEL')
      .map((instruction) => instruction.args)
      .join(' ');
    expect(labels).toContain('org.opencontainers.image.version="${VERSION}"');
    expect(labels).toContain('org.opencontainers.image.revision="${REVISION}"');
    const args = finalInstructions('ARG').map((instruction) => instruction.args.split('=')[0]);
    expect(args).toEqual(expect.arrayContaining(['SERVICE', 'VERSION', 'REVISION', 'GRPC_PORT', 'OPS_PORT']));
  });

  it('leaves installs, build outputs, local state and secrets out of the build context', () => {
    const ignored = readFileSync(fromRoot('.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['.git', '**/node_modules', '**/dist', '.tributary', '.nx', '**/.env']));
  });
});

describe('deploy/build-images.sh', () => {
  const script = fromRoot('deploy', 'build-images.sh');

  it('passes shellcheck, as does the tool installer', () => {
    const result = spawnSync(tools.shellcheck, ['--severity=style', script, fromRoot('tools', 'deploy-checks', 'install-tools.sh')], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('builds each of the six services with its ports, version and revision', () => {
    const record = join(scratch, 'docker-calls');
    const fakeDocker = join(scratch, 'docker');
    writeFileSync(fakeDocker, `#!/bin/sh\necho "$*" >> "${record}"\n`);
    chmodSync(fakeDocker, 0o755);
    execFileSync('bash', [script], { cwd: workspaceRoot, env: { ...process.env, DOCKER: fakeDocker, REVISION: 'abc123', VERSION: '9.9.9' }, stdio: 'pipe' });
    const builds = readFileSync(record, 'utf8').trim().split('\n');
    expect(builds).toHaveLength(localServiceDefinitions.length);
    for (const [index, { name, grpcPort, opsPort }] of localServiceDefinitions.entries()) {
      const call = builds[index] ?? '';
      expect(call).toMatch(/^build --file deploy\/Dockerfile /);
      for (const expected of [`SERVICE=${name}`, `GRPC_PORT=${grpcPort}`, `OPS_PORT=${opsPort}`, 'VERSION=9.9.9', 'REVISION=abc123']) {
        expect(call, name).toContain(`--build-arg ${expected} `);
      }
      expect(call).toContain(`--tag tributary/${name}:9.9.9 --tag tributary/${name}:latest .`);
    }
  });

  it('refuses an unknown service name before building anything', () => {
    const result = spawnSync('bash', [script, 'ingestion', 'no-such-service'], { cwd: workspaceRoot, env: { ...process.env, DOCKER: '/bin/false' }, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('no such service: no-such-service');
  });
});
