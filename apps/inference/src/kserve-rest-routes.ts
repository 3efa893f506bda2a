import { randomUUID } from 'node:crypto';
import {
  encodeRestInferResponse,
  inferWithPipeline,
  MalformedInferBodyError,
  modelConfig,
  modelConfigJson,
  modelMetadata,
  modelStatistics,
  modelStatisticsJson,
  parseRestInferRequest,
  tabularModel,
  type ModelBatching,
  type TabularModel,
} from '@tributary/kserve';
import { ModelNotFoundError, type ServingPipeline } from '@tributary/serving';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SERVER_EXTENSIONS } from './kserve-service.js';
import { restDeadlineAtMs } from './request-deadline.js';

/** Options of {@link registerKserveRoutes}. */
export interface KserveRoutesOptions {
  readonly pipeline: ServingPipeline;
  /** Server name and version of `GET /v2`. */
  readonly server: { readonly name: string; readonly version: string };
  /** The micro-batching `/config` reports. */
  readonly batching: ModelBatching;
  /** Deadline of a request that sets none, in ms. */
  readonly defaultDeadlineMs: number;
  /** Most rows one infer request may carry. */
  readonly maxRows: number;
}

type ModelParams = { name: string; version?: string };

const HEADER_LENGTH = 'inference-header-content-length';

/**
 * The KServe v2 REST routes and Triton's REST extensions: health, server and
 * model metadata, readiness, `/config`, `/stats` and `/infer` (JSON tensors,
 * or Triton's binary data after an `Inference-Header-Content-Length` JSON
 * header; outputs binary when asked). Readiness answers 200 or 503, as
 * Triton's clients test the status.
 */
export function registerKserveRoutes(fastify: FastifyInstance, options: KserveRoutesOptions): void {
  const { pipeline } = options;
  const served = (params: ModelParams): TabularModel => {
    const model = tabularModel(pipeline.models(), params.name, params.version ?? '');
    if (!model) throw new ModelNotFoundError(params.name, params.version === undefined ? 'ready champion' : `ready version ${params.version}`);
    return model;
  };
  const modelRoutes = (suffix: string) => [`/v2/models/:name${suffix}`, `/v2/models/:name/versions/:version${suffix}`];

  fastify.get('/v2/health/live', async () => ({ live: true }));
  fastify.get('/v2/health/ready', async (_request, reply) => {
    const ready = pipeline.ready();
    return reply.code(ready ? 200 : 503).send({ ready });
  });
  fastify.get('/v2', async () => ({ ...options.server, extensions: SERVER_EXTENSIONS }));
  fastify.get('/v2/models/stats', async () => modelStatisticsJson(modelStatistics(pipeline.models())));
  for (const url of modelRoutes('')) fastify.get<{ Params: ModelParams }>(url, async (request) => modelMetadata(served(request.params)));
  for (const url of modelRoutes('/ready')) {
    fastify.get<{ Params: ModelParams }>(url, async (request, reply) => {
      const ready = tabularModel(pipeline.models(), request.params.name, request.params.version ?? '') !== undefined;
      return reply.code(ready ? 200 : 503).send({ name: request.params.name, ready });
    });
  }
  for (const url of modelRoutes('/config')) {
    fastify.get<{ Params: ModelParams }>(url, async (request) => modelConfigJson(modelConfig(served(request.params), options.batching)));
  }
  for (const url of modelRoutes('/stats')) {
    fastify.get<{ Params: ModelParams }>(url, async (request) => {
      const models = pipeline.models();
      if (!models.some((model) => model.name === request.params.name)) throw new ModelNotFoundError(request.params.name);
      return modelStatisticsJson(modelStatistics(models, request.params.name, request.params.version ?? ''));
    });
  }

  // Infer bodies are read as bytes whatever their type: JSON alone, or JSON followed by binary data.
  void fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    for (const url of modelRoutes('/infer')) {
      scope.post<{ Params: ModelParams; Body: Buffer }>(url, async (request, reply) => {
        const body = parseRestInferRequest(request.body ?? Buffer.alloc(0), headerLength(request));
        const result = await inferWithPipeline(
          pipeline,
          {
            modelName: request.params.name,
            modelVersion: request.params.version ?? '',
            inputs: body.inputs,
            outputNames: body.outputNames,
            requestId: body.id ?? randomUUID(),
            deadlineAtMs: restDeadlineAtMs(options.defaultDeadlineMs, request.headers['request-timeout-ms'], body.timeoutUs),
          },
          { maxRows: options.maxRows },
        );
        const response = encodeRestInferResponse(result.outputs, {
          modelName: request.params.name,
          modelVersion: result.modelVersion,
          ...(body.id === undefined ? {} : { id: body.id }),
          parameters: result.parameters,
          binaryOutputs: body.binaryOutputs,
        });
        if (response.headerLength === undefined) return reply.type('application/json').send(response.body);
        return reply.header('Inference-Header-Content-Length', response.headerLength).type('application/octet-stream').send(response.body);
      });
    }
  });
}

function headerLength(request: FastifyRequest): number | undefined {
  const value = request.headers[HEADER_LENGTH];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value)) throw new MalformedInferBodyError(`Inference-Header-Content-Length ${JSON.stringify(value)} is not a byte count`);
  return Number(value);
}
