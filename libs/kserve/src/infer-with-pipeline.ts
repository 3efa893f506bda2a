import type { ServingAnswer, ServingPipeline, ServingRequest } from '@tributary/serving';
import { ModelNotFoundError } from '@tributary/serving';
import { decodeFeatureRows } from './decode-feature-rows.js';
import type { InferInputTensor } from './infer-input-tensor.js';
import { buildInferOutputs, resolveOutputNames, type InferOutputTensor } from './infer-outputs.js';
import { CONTRIBUTIONS_OUTPUT, tabularModel } from './tabular-model.js';

/** One inference request, whichever protocol brought it. */
export interface TensorInferRequest {
  readonly modelName: string;
  /** "" lets the server choose (the version `champion` points at, canary routing included). */
  readonly modelVersion: string;
  readonly inputs: readonly InferInputTensor[];
  /** Outputs asked for; empty means all. */
  readonly outputNames: readonly string[];
  readonly requestId: string;
  /** Absolute deadline, ms on the `Date.now()` clock. */
  readonly deadlineAtMs: number;
}

/** What a protocol encodes back. */
export interface TensorInferResult {
  readonly outputs: readonly InferOutputTensor[];
  /** The version that answered: one number, or several comma-separated when rows differ (e.g. a fallback answered some). */
  readonly modelVersion: string;
  /** Response parameters: `served_by` tiers, `alias`, `model_version` per row when they differ; `explanation_unavailable` (row: reason) when a row asked for contributions has none. */
  readonly parameters: Readonly<Record<string, string>>;
  readonly answers: readonly ServingAnswer[];
}

/** Options of {@link inferWithPipeline}. */
export interface InferWithPipelineOptions {
  /** Most rows per request. Default 10 000. */
  readonly maxRows?: number;
}

/**
 * Runs a KServe request through the serving pipeline: checks the outputs
 * asked for, decodes and validates the input against the feature order of
 * the version that will answer, predicts every row (rows share micro-batches),
 * and builds the outputs. The first row that failed fails the request with its
 * error (shed, past deadline…); every answer names its version and tier in
 * the response parameters.
 *
 * @throws ModelNotFoundError when the model (or that version) is not served and ready.
 */
export async function inferWithPipeline(pipeline: ServingPipeline, request: TensorInferRequest, options: InferWithPipelineOptions = {}): Promise<TensorInferResult> {
  const outputNames = resolveOutputNames(request.outputNames);
  const model = tabularModel(pipeline.models(), request.modelName, request.modelVersion);
  if (!model) throw new ModelNotFoundError(request.modelName, request.modelVersion === '' ? 'ready champion' : `ready version ${request.modelVersion}`);
  const rows = decodeFeatureRows(request.inputs, model, { maxRows: options.maxRows ?? 10_000 });
  const version = request.modelVersion === '' ? {} : { version: Number(request.modelVersion) };
  const explain = outputNames.includes(CONTRIBUTIONS_OUTPUT);
  const requests: ServingRequest[] = Array.from({ length: rows.rowCount }, (_, row) => ({
    model: request.modelName,
    ...version,
    vector: rows.values.subarray(row * rows.featureCount, (row + 1) * rows.featureCount),
    requestId: rows.rowCount === 1 ? request.requestId : `${request.requestId}/${row}`,
    deadlineAtMs: request.deadlineAtMs,
    ...(explain ? { explain } : {}),
  }));
  const results = await pipeline.predictMany(requests);
  const failed = results.find((result): result is Error => result instanceof Error);
  if (failed) throw failed;
  const answers = results as readonly ServingAnswer[];
  const perRow = (pick: (answer: ServingAnswer) => string) => {
    const values = answers.map(pick);
    return values.every((value) => value === values[0]) ? (values[0] as string) : values.join(',');
  };
  const modelVersion = perRow((a) => String(a.modelVersion));
  const unexplained = answers.flatMap((a, row) => (a.explanationUnavailable === undefined ? [] : [`${row}: ${a.explanationUnavailable}`]));
  return {
    outputs: buildInferOutputs(answers, outputNames, rows.featureCount),
    modelVersion,
    parameters: {
      served_by: perRow((a) => a.tier),
      alias: perRow((a) => a.alias),
      model_version: modelVersion,
      ...(unexplained.length > 0 ? { explanation_unavailable: unexplained.join('; ') } : {}),
    },
    answers,
  };
}
