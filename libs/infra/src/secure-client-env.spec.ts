import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureInfraSecrets } from './infra-secrets.js';
import { resolvePorts } from './infra-config.js';
import { readSecureClientEnvFile, secureClientEnv, writeSecureClientEnvFiles } from './secure-client-env.js';

const ports = resolvePorts({});
let home: string | undefined;
afterEach(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

describe('readSecureClientEnvFile()', () => {
  it("reads back exactly the principal's environment writeSecureClientEnvFiles wrote, its own credentials only", async () => {
    home = await mkdtemp(join(tmpdir(), 'secure-env-'));
    const secrets = await ensureInfraSecrets(home);
    const tls = { TLS_CERT_FILE: '/pki/inference-cert.pem', TLS_KEY_FILE: '/pki/inference-key.pem', TLS_CA_FILE: '/pki/ca=1.pem', REGISTRY_TLS: 'true' };
    await writeSecureClientEnvFiles(home, secrets, ports, { inference: tls });
    const env = await readSecureClientEnvFile(home, 'inference');
    expect(env).toEqual({ ...secureClientEnv('inference', secrets, ports), ...tls });
    expect(env['KAFKA_SASL_USERNAME']).toBe('inference');
    expect(Object.values(env).join('\n')).not.toContain(secrets['trainer']);
  });

  it('throws when infra up --secure has not written the file', async () => {
    home = await mkdtemp(join(tmpdir(), 'secure-env-'));
    await expect(readSecureClientEnvFile(home, 'operator')).rejects.toThrow(/operator\.env/);
  });
});
