import { randomUUID } from 'node:crypto';
import type { GRPCInferenceService } from '@tributary/contracts';
import type { ServiceImpl } from '@tributary/grpc';
import {
  grpcInferInputs,
  grpcInferOutputs,
  grpcModelMetadata,
  inferWithPipeline,
  modelConfig,
  modelStatistics,
  tabularModel,
  type ModelBatching,
  type TabularModel,
} from '@tributary/kserve';
import { ModelNotFoundError, type ServingPipeline } from '@tributary/serving';
import { grpcDeadlineAtMs } from './request-deadline.js';

/** Options of {@link createKserveServiceImpl}. */
export interface KserveServiceOptions {
  readonly pipeline: ServingPipeline;
  /** Server name and version of ServerMetadata. */
  readonly server: { readonly name: string; readonly version: string };
  /** The micro-batching ModelConfig reports. */
  readonly batching: ModelBatching;
  /** Deadline of a call that sets none, in ms. */
  readonly defaultDeadlineMs: number;
  /** Most rows one ModelInfer may carry. */
  readonly maxRows: number;
}

/** Extensions ServerMetadata names (Triton's names for what is served beyond the core protocol). */
export const SERVER_EXTENSIONS = ['binary_tensor_data', 'model_configuration', 'statistics'];

/**
 * `inference.GRPCInferenceService` (KServe v2 with Triton's ModelConfig and
 * ModelStatistics) over the serving pipeline. ModelInfer answers in
 * `raw_output_contents` when the request came in `raw_input_contents` (as
 * Triton's clients expect) and in typed contents otherwise.
 */
export function createKserveServiceImpl(options: KserveServiceOptions): ServiceImpl<typeof GRPCInferenceService> {
  const { pipeline } = options;
  const served = (name: string, version: string): TabularModel => {
    const model = tabularModel(pipeline.models(), name, version);
    if (!model) throw new ModelNotFoundError(name, version === '' ? 'ready champion' : `ready version ${version}`);
    return model;
  };
  return {
    serverLive: () => ({ live: true }),
    serverReady: () => ({ ready: pipeline.ready() }),
    modelReady: (request) => ({ ready: tabularModel(pipeline.models(), request.name, request.version) !== undefined }),
    serverMetadata: () => ({ name: options.server.name, version: options.server.version, extensions: SERVER_EXTENSIONS }),
    modelMetadata: (request) => grpcModelMetadata(served(request.name, request.version)),
    modelConfig: (request) => ({ config: modelConfig(served(request.name, request.version), options.batching) }),
    modelStatistics: (request) => {
      const models = pipeline.models();
      if (request.name !== '' && !models.some((model) => model.name === request.name)) throw new ModelNotFoundError(request.name);
      return { modelStats: modelStatistics(models, request.name, request.version) };
    },
    async modelInfer(request, context) {
      const id = request.id || randomUUID();
      const result = await inferWithPipeline(
        pipeline,
        {
          modelName: request.modelName,
          modelVersion: request.modelVersion,
          inputs: grpcInferInputs(request),
          outputNames: request.outputs.map((output) => output.name),
          requestId: id,
          deadlineAtMs: grpcDeadlineAtMs(context, options.defaultDeadlineMs),
        },
        { maxRows: options.maxRows },
      );
      return {
        modelName: request.modelName,
        modelVersion: result.modelVersion,
        id: request.id,
        parameters: Object.fromEntries(Object.entries(result.parameters).map(([key, value]) => [key, { parameterChoice: { case: 'stringParam', value } }])),
        ...grpcInferOutputs(result.outputs, request.rawInputContents.length > 0),
      };
    },
  };
}
