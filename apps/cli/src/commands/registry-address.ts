import { loadConfig, registryClientEnv } from '@tributary/config';

/** `REGISTRY_ADDRESS`, read as the services read it: the registry's gRPC host:port, default `127.0.0.1:15052`. */
export function registryAddress(env: NodeJS.ProcessEnv = process.env): string {
  return loadConfig({ address: registryClientEnv().address }, env).address;
}
