import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { metricSamples } from '@tributary/observability';

/** Where one service's ops server answers. */
export interface ServiceEndpoint {
  readonly name: string;
  /** Base URL of its ops server, e.g. `http://127.0.0.1:9468`. */
  readonly opsUrl: string;
}

/** One circuit breaker as a service's `/metrics` reports it (`tributary_breaker_state`). */
export interface BreakerStatus {
  readonly service: string;
  readonly breaker: string;
  readonly state: 'closed' | 'half-open' | 'open';
}

/** One readiness check that is not up, with the service's reason. */
export interface FailingCheck {
  readonly check: string;
  readonly error: string;
}

/** What one service's ops server said. */
export interface ServiceStatus {
  readonly name: string;
  readonly opsUrl: string;
  /** `/healthz` answered 200: the process runs. */
  readonly alive: boolean;
  /** `/readyz` answered 200: it takes traffic. */
  readonly ready: boolean;
  /** Why it is down or not ready, in words; undefined when it is ready. */
  readonly reason?: string;
  /** Each readiness check by name: `up` or `down`. Empty when `/readyz` did not answer. */
  readonly checks: Readonly<Record<string, 'up' | 'down'>>;
  readonly failingChecks: readonly FailingCheck[];
  /** `/version`'s version, when it answered. */
  readonly version?: string;
  readonly breakers: readonly BreakerStatus[];
  /** The `/metrics` page, for callers that read more of it; empty when it did not answer. */
  readonly metricsText: string;
}

/** Options of {@link probeService}. */
export interface ProbeServiceOptions {
  /** How long each request may take, in ms. Default 3 000. */
  readonly timeoutMs?: number;
}

const breakerStates = ['closed', 'half-open', 'open'] as const;

/**
 * Asks one service's ops server `/healthz`, `/readyz`, `/version` and
 * `/metrics` (in parallel) and says what they answered. Never throws: a
 * service that does not answer is reported down, with the reason (connection
 * refused, timed out, HTTP status).
 */
export async function probeService(endpoint: ServiceEndpoint, options: ProbeServiceOptions = {}): Promise<ServiceStatus> {
  const timeoutMs = options.timeoutMs ?? 3_000;
  const get = (path: string) => fetchText(new URL(path, endpoint.opsUrl), timeoutMs);
  const [health, readiness, version, metrics] = await Promise.all([get('/healthz'), get('/readyz'), get('/version'), get('/metrics')]);

  const readyBody = parseJson(readiness.body) as { checks?: Record<string, { status?: string; error?: string }> } | undefined;
  const checkEntries = Object.entries(readyBody?.checks ?? {});
  const checks = Object.fromEntries(checkEntries.map(([name, check]) => [name, check.status === 'up' ? 'up' : 'down'] as const));
  const failingChecks = checkEntries.filter(([, check]) => check.status !== 'up').map(([check, state]) => ({ check, error: state.error ?? 'down' }));
  const alive = health.status === 200;
  const ready = readiness.status === 200;
  const metricsText = metrics.status === 200 ? metrics.body : '';
  const breakers = metricSamples(metricsText, 'tributary_breaker_state').map(({ labels, value }) => ({
    service: endpoint.name,
    breaker: labels['breaker'] ?? '',
    state: breakerStates[value] ?? 'open',
  }));
  const versionText = (parseJson(version.body) as { version?: unknown } | undefined)?.version;
  const reason = ready ? undefined : whyNotReady(health, readiness, failingChecks);
  return {
    name: endpoint.name,
    opsUrl: endpoint.opsUrl,
    alive,
    ready,
    ...(reason === undefined ? {} : { reason }),
    checks,
    failingChecks,
    ...(typeof versionText === 'string' ? { version: versionText } : {}),
    breakers,
    metricsText,
  };
}

interface HttpAnswer {
  /** 0 when nothing answered. */
  readonly status: number;
  readonly body: string;
  /** Why nothing answered. */
  readonly failure?: string;
}

/** One GET on a connection of its own: a kept-alive socket of an earlier probe would report a restarted service wrongly. */
function fetchText(url: URL, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    const request = (url.protocol === 'https:' ? httpsGet : httpGet)(url, { agent: false, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', (error) => resolve({ status: 0, body: '', failure: describeFailure(error) }));
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error) => resolve({ status: 0, body: '', failure: describeFailure(error) }));
  });
}

/** A socket error the way an operator reads it. */
function describeFailure(error: Error & { code?: unknown }): string {
  if (error.code === 'ECONNREFUSED') return 'connection refused (nothing listens on its ops port)';
  return error.message;
}

function whyNotReady(health: HttpAnswer, readiness: HttpAnswer, failing: readonly FailingCheck[]): string {
  if (health.status === 0) return `down: ${health.failure ?? 'no answer'}`;
  if (health.status !== 200) return `down: /healthz answered HTTP ${health.status}`;
  if (failing.length > 0) return `not ready: ${failing.map(({ check, error }) => `${check} (${error})`).join(', ')}`;
  if (readiness.status === 0) return `not ready: /readyz ${readiness.failure ?? 'did not answer'}`;
  return `not ready: /readyz answered HTTP ${readiness.status}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
