import { randomUUID } from 'node:crypto';
import { createStaticTokenVerifier } from '@tributary/grpc';
import { toHttpError } from '@tributary/kserve';
import type { Logger } from '@tributary/observability';
import type { ServingPipeline } from '@tributary/serving';
import { Code, TributaryError } from '@tributary/errors';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { registerKserveRoutes, type KserveRoutesOptions } from './kserve-rest-routes.js';
import { registerPredictionsRoute } from './predictions-route.js';
import { restMetrics } from './rest-metrics.js';

/** Options of {@link createRestServer}. */
export interface RestServerOptions extends Omit<KserveRoutesOptions, 'pipeline'> {
  readonly pipeline: ServingPipeline;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Largest body accepted, in bytes (413 beyond). */
  readonly bodyLimitBytes: number;
  /** When set, every route but `/v2/health/*` needs `Authorization: Bearer <token>`. Default: no authentication. */
  readonly authToken?: string;
  /** How long `close()` lets requests in flight finish before dropping connections, in ms. */
  readonly shutdownTimeoutMs: number;
  readonly logger: Logger;
}

/** The REST face of the inference service. */
export interface RestServer {
  /** Listens; resolves to the bound port. Idempotent. */
  start(): Promise<number>;
  /** Stops accepting, lets requests in flight finish (up to the shutdown timeout), closes. Idempotent. */
  close(): Promise<void>;
  /** The fastify instance, for in-process requests in tests. */
  readonly fastify: FastifyInstance;
}

/**
 * KServe v2 REST (with Triton's binary-data, configuration and statistics
 * extensions) and the seeds' `POST /v1/predictions`, on fastify, over the
 * same pipeline as gRPC. Errors are `{error: "…"}` with the status of their
 * code: 400 bad input, 401 no token, 404 unknown model, 429 shed, 504 past
 * deadline.
 */
export function createRestServer(options: RestServerOptions): RestServer {
  const fastify = Fastify({ bodyLimit: options.bodyLimitBytes, logger: false, genReqId: () => randomUUID(), return503OnClosing: true });
  const metrics = restMetrics();
  const verify = options.authToken === undefined ? undefined : createStaticTokenVerifier([options.authToken]);

  fastify.addHook('onRequest', async (request) => {
    if (verify === undefined || request.url.startsWith('/v2/health/')) return;
    const header = request.headers.authorization;
    const token = typeof header === 'string' && /^bearer\s+/i.test(header) ? header.replace(/^bearer\s+/i, '') : undefined;
    if (token === undefined || !(await verify(token, request.url))) {
      throw new TributaryError(Code.Unauthenticated, token === undefined ? 'missing bearer token' : 'invalid bearer token');
    }
  });
  fastify.addHook('onResponse', async (request, reply) => {
    metrics.record(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000);
  });
  fastify.setErrorHandler((error: FastifyError | TributaryError, request, reply) => {
    // Fastify's own 4xx (bad JSON, body too large, unsupported type) keep their status and message.
    const own = !(error instanceof TributaryError) && typeof error.statusCode === 'number' && error.statusCode < 500;
    const answer = own ? { status: (error as FastifyError).statusCode as number, body: { error: error.message } } : toHttpError(error);
    if (answer.status >= 500) options.logger.error({ err: error, url: request.url, requestId: request.id }, 'REST request failed');
    void reply.code(answer.status).send(answer.body);
  });
  fastify.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: `no route ${request.method} ${request.url}` });
  });

  registerKserveRoutes(fastify, options);
  registerPredictionsRoute(fastify, { pipeline: options.pipeline, defaultDeadlineMs: options.defaultDeadlineMs });

  let starting: Promise<number> | undefined;
  let closing: Promise<void> | undefined;
  return {
    fastify,
    start() {
      starting ??= fastify.listen({ host: options.host, port: options.port }).then(() => {
        const address = fastify.server.address();
        const port = typeof address === 'object' && address !== null ? address.port : options.port;
        options.logger.info({ host: options.host, port }, 'REST server listening');
        return port;
      });
      return starting;
    },
    close() {
      closing ??= (async () => {
        const timer = setTimeout(() => fastify.server.closeAllConnections(), options.shutdownTimeoutMs);
        try {
          await fastify.close();
        } finally {
          clearTimeout(timer);
        }
      })();
      return closing;
    },
  };
}
