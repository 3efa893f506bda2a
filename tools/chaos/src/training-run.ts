/**
 * The trainer's part of a scenario: a training request for the replayed
 * slice sent with `tributary train` (which follows it to the end), and the
 * registry's state checked afterwards — one version per role registered for
 * the request, however often it was delivered, and `challenger` on its primary.
 */
import { randomUUID } from 'node:crypto';
import { ModelRegistryService, type ModelVersion } from '@tributary/contracts';
import { createGrpcChannel, createGrpcClient } from '@tributary/grpc';
import { createGrpcRegistryClient } from '@tributary/model-registry/client';
import type { FlightSlice } from './flight-slice.js';
import { startNodeScript, type NodeScript } from './node-script.js';
import type { ExtraInvariant } from './run-scenario.js';

/** Tags the trainer puts on the versions it registers (its `TRAINER_TAGS`). */
const REQUEST_ID_TAG = 'training_request_id';
const ROLE_TAG = 'role';

/** A training request in flight. */
export interface TrainingRequestRun {
  readonly modelName: string;
  readonly requestId: string;
  readonly script: NodeScript;
}

/** Options of {@link requestTraining}. */
export interface RequestTrainingOptions {
  readonly slice: FlightSlice;
  readonly modelName: string;
  readonly requestsTopic: string;
  readonly dlqTopic: string;
  /** Seconds `tributary train` waits for the outcome. */
  readonly timeoutS: number;
  readonly env: NodeJS.ProcessEnv;
  readonly logFile: string;
}

/** Sends a request to train on the slice with `tributary train` and follows it (the script exits 0 once it is done). */
export function requestTraining(options: RequestTrainingOptions): TrainingRequestRun {
  const { slice, modelName, requestsTopic, dlqTopic, timeoutS, env, logFile } = options;
  const requestId = randomUUID();
  const args = ['train', '--model', modelName, '--from', slice.from, '--to', slice.to, '--request-id', requestId];
  args.push('--topic', requestsTopic, '--dlq-topic', dlqTopic, '--timeout', String(timeoutS));
  return { modelName, requestId, script: startNodeScript('apps/cli/dist/main.js', args, env, logFile) };
}

/** The registry's invariants for one request, as measurements with their violations. */
export async function checkRegistry(registryAddress: string, run: TrainingRequestRun, exitCode: number | null): Promise<ExtraInvariant[]> {
  const channel = createGrpcChannel({ address: registryAddress, timeoutMs: 10_000 });
  let versions: ModelVersion[];
  try {
    const registry = createGrpcRegistryClient(createGrpcClient(ModelRegistryService, channel), { timeoutMs: 10_000 });
    versions = await registry.findByTags(run.modelName, { [REQUEST_ID_TAG]: run.requestId });
  } finally {
    channel.close();
  }
  const ofRole = (role: string) => versions.filter((v) => v.tags[ROLE_TAG] === role);
  const [primaries, fallbacks] = [ofRole('primary'), ofRole('fallback')];
  const challengers = versions.filter((v) => v.aliases.includes('challenger'));
  const listed = (vs: readonly ModelVersion[]) => vs.map((v) => `v${v.version}`).join(', ') || 'none';
  return [
    {
      name: 'training request completed',
      value: exitCode === 0 ? 1 : 0,
      ...(exitCode === 0 ? {} : { violation: `tributary train exited with ${exitCode} for request ${run.requestId}` }),
    },
    {
      name: 'versions registered per role',
      value: Math.max(primaries.length, fallbacks.length),
      ...(primaries.length === 1 && fallbacks.length === 1 ? {} : { violation: `primary ${listed(primaries)}, fallback ${listed(fallbacks)} (one of each expected)` }),
    },
    {
      name: 'challenger on the request primary',
      value: challengers.length === 1 && challengers[0] === primaries[0] ? 1 : 0,
      ...(challengers.length === 1 && primaries.length === 1 && challengers[0] === primaries[0]
        ? {}
        : { violation: `challenger on ${listed(challengers)}, primary ${listed(primaries)}` }),
    },
  ];
}
