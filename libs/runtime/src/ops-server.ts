import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, getMetricsRegistry, type Logger } from '@tributary/observability';
import type { Registry } from 'prom-client';
import { OpsServerStartError } from './errors.js';
import { withTimeBudget } from './time-budget.js';

/**
 * Whether a dependency is ready: resolving (to anything but `false`) means
 * up; throwing or resolving `false` means down. The signal fires when the
 * check's time is up.
 */
export type ReadinessCheck = (signal: AbortSignal) => unknown;

/** What `/version` reports. */
export interface VersionInfo {
  /** The service name, e.g. `inference`. */
  readonly name: string;
  /** The service version, e.g. from its package.json. */
  readonly version: string;
}

/** Options of {@link createOpsServer}. */
export interface OpsServerOptions {
  /** Port to listen on; 0 picks a free one. Default: 9464. */
  readonly port?: number;
  /** Address to bind. Default: `0.0.0.0`. */
  readonly host?: string;
  /** Named readiness checks run by `/readyz`, in parallel. Default: none (always ready). */
  readonly checks?: Readonly<Record<string, ReadinessCheck>>;
  /** Time each readiness check gets, in ms. Default: 2 000. */
  readonly checkTimeoutMs?: number;
  /** Registry `/metrics` exposes. Default: the shared {@link getMetricsRegistry}. */
  readonly registry?: Registry;
  /** Name and version `/version` reports, with `GIT_REVISION` from the environment. */
  readonly version: VersionInfo;
  /** Where request failures are logged. Default: a logger named `ops-server`. */
  readonly logger?: Logger;
}

/** The HTTP server orchestrators and Prometheus talk to. */
export interface OpsServer {
  /** Listens; resolves to the bound port. Idempotent. */
  start(): Promise<number>;
  /** Stops listening and drops idle keep-alive connections. Idempotent. */
  close(): Promise<void>;
}

/** One check's outcome in the `/readyz` body. */
export interface CheckResult {
  readonly status: 'up' | 'down';
  readonly durationMs: number;
  /** Why it is down. */
  readonly error?: string;
}

/**
 * An HTTP server for operations: `GET /healthz` (the process is alive),
 * `GET /readyz` (200 or 503 with each check's state as JSON),
 * `GET /metrics` (Prometheus text) and `GET /version`.
 */
export function createOpsServer(options: OpsServerOptions): OpsServer {
  const logger = options.logger ?? createLogger({ name: 'ops-server' });
  const registry = options.registry ?? getMetricsRegistry();
  const checkTimeoutMs = options.checkTimeoutMs ?? 2_000;
  const revision = process.env['GIT_REVISION']?.trim() || undefined;
  const versionBody = { name: options.version.name, version: options.version.version, ...(revision ? { revision } : {}) };

  const routes: Readonly<Record<string, (response: ServerResponse) => Promise<void> | void>> = {
    '/healthz': (response) => sendJson(response, 200, { status: 'alive' }),
    '/readyz': async (response) => {
      const checks = await runChecks(options.checks ?? {}, checkTimeoutMs);
      const ready = Object.values(checks).every((check) => check.status === 'up');
      sendJson(response, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
    },
    '/metrics': async (response) => {
      const text = await registry.metrics();
      response.writeHead(200, { 'content-type': registry.contentType }).end(text);
    },
    '/version': (response) => sendJson(response, 200, versionBody),
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const route = routes[new URL(request.url ?? '/', 'http://ops').pathname];
    if (!route) return sendJson(response, 404, { error: 'not found' });
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return sendJson(response, 405, { error: 'method not allowed' });
    }
    try {
      await route(response);
    } catch (error) {
      logger.error({ err: error, path: request.url }, 'ops request failed');
      if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
    }
  };

  const server = createServer((request, response) => void handle(request, response));
  let starting: Promise<number> | undefined;
  let closing: Promise<void> | undefined;

  return {
    start() {
      const host = options.host ?? '0.0.0.0';
      const port = options.port ?? 9464;
      starting ??= new Promise<number>((resolve, reject) => {
        server.once('error', (error) => reject(new OpsServerStartError(`${host}:${port}`, error)));
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      });
      return starting;
    },
    close() {
      closing ??= (async () => {
        await starting?.catch(() => undefined);
        if (!server.listening) return;
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
      })();
      return closing;
    },
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

async function runChecks(checks: Readonly<Record<string, ReadinessCheck>>, budgetMs: number): Promise<Record<string, CheckResult>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
      const startedAt = performance.now();
      const durationMs = () => Math.round(performance.now() - startedAt);
      try {
        const outcome = await withTimeBudget(`check ${name}`, budgetMs, check);
        if (outcome === false) return [name, { status: 'down', durationMs: durationMs(), error: 'check returned false' }];
        return [name, { status: 'up', durationMs: durationMs() }];
      } catch (error) {
        return [name, { status: 'down', durationMs: durationMs(), error: error instanceof Error ? error.message : String(error) }];
      }
    }),
  );
  return Object.fromEntries(entries);
}
