import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { InvalidArgumentError, type Command } from 'commander';
import { InferenceService, PredictRequestSchema, ServingTier, type PredictRequest, type PredictResponse } from '@tributary/contracts';
import { Code } from '@tributary/errors';
import { RemoteCallError, createGrpcChannel, createGrpcClient } from '@tributary/grpc';
import { runAction } from './run-action.js';

/** What `tributary predict` is given on its command line. */
export interface PredictCommandOptions {
  readonly origin: string;
  readonly destination: string;
  /** Departure, ms, the origin's local time written as UTC (as the data set records it). */
  readonly departure: number;
  readonly distance: number;
  readonly model: string;
  readonly alias: string;
  /** `host:port` of the inference service's gRPC server. */
  readonly address: string;
  /** Seconds the answer may take. */
  readonly timeout: number;
}

/** `ORD`: an airport code as the data set writes it (IATA, three letters or digits). */
function airportCode(text: string): string {
  const code = text.trim().toUpperCase();
  if (!/^[A-Z0-9]{3}$/.test(code)) throw new InvalidArgumentError('expected an airport code of three letters, e.g. ORD');
  return code;
}

/** `2001-01-02T08:00`: the departure in the origin's local time. */
function departureTime(text: string): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(text)) throw new InvalidArgumentError('expected YYYY-MM-DDTHH:MM, in the origin airport’s local time');
  const ms = Date.parse(`${text}Z`);
  if (Number.isNaN(ms)) throw new InvalidArgumentError('not a valid date and time');
  return ms;
}

function positiveNumber(unit: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(`expected a positive number of ${unit}`);
    return value;
  };
}

/** The Predict request for the flight the options describe: its airport and route features are read online by the service. */
export function predictRequestFromOptions(options: PredictCommandOptions): PredictRequest {
  return create(PredictRequestSchema, {
    modelName: options.model,
    alias: options.alias,
    flight: {
      origin: options.origin,
      destination: options.destination,
      departureTime: timestampFromMs(options.departure),
      distanceMiles: options.distance,
    },
    requestId: `cli-${crypto.randomUUID()}`,
  });
}

const tierNames: Record<ServingTier, string> = {
  [ServingTier.UNSPECIFIED]: 'unknown tier',
  [ServingTier.PRIMARY]: 'primary model',
  [ServingTier.FALLBACK_MODEL]: 'fallback model',
  [ServingTier.RULES]: 'rules (no model could answer)',
  [ServingTier.DEFAULT]: 'default answer (nothing else could answer)',
};

/** The answer as lines for a person: probability and class, who served it, which features were defaulted. */
export function formatPrediction(options: PredictCommandOptions, response: PredictResponse): string[] {
  const departure = new Date(options.departure).toISOString().slice(0, 16).replace('T', ' ');
  const version = response.modelVersion > 0 ? `v${response.modelVersion}` : 'no model version';
  const late = response.prediction >= 0.5;
  return [
    `${options.origin} → ${options.destination}, departing ${departure} local time, ${options.distance} miles`,
    `  P(arrives ≥ 15 min late) ${response.probability.toFixed(3)}: ${late ? 'late' : 'on time'}`,
    `  served by ${response.modelName} ${version} through alias ${response.alias || options.alias}, ${tierNames[response.servedBy]}${response.cached ? ', from the cache' : ''}, in ${response.latencyMs.toFixed(2)} ms`,
    response.defaultedFeatures.length === 0
      ? '  every feature had a value (request or online store)'
      : `  ${response.defaultedFeatures.length} feature(s) had no online value and took the model's default: ${response.defaultedFeatures.join(', ')}`,
  ];
}

/** What a failed call means to the person who typed the command. */
export function explainPredictFailure(options: PredictCommandOptions, error: unknown): string {
  if (!(error instanceof RemoteCallError)) return error instanceof Error ? error.message : String(error);
  switch (error.code) {
    case Code.Unavailable:
      return `the inference service at ${options.address} is unreachable (${error.message}); start it (e.g. npm run demo -- --keep-running) or point --address / INFERENCE_ADDRESS at it`;
    case Code.DeadlineExceeded:
      return `no answer from the inference service at ${options.address} within ${options.timeout} s (${error.message})`;
    case Code.NotFound:
      return `the inference service at ${options.address} does not serve model "${options.model}" with alias "${options.alias}": ${error.message}`;
    case Code.InvalidArgument:
      return `the service refused the request: ${error.message}`;
    default:
      return `the prediction failed (${Code[error.code]}): ${error.message}`;
  }
}

/** Asks the inference service for one flight's prediction and prints it; 0 on an answer, 1 otherwise. */
export async function predictFlight(options: PredictCommandOptions): Promise<number> {
  const token = process.env['SERVICE_AUTH_TOKEN']?.trim();
  const channel = createGrpcChannel({ address: options.address, timeoutMs: options.timeout * 1000, ...(token ? { token } : {}) });
  try {
    const response = await createGrpcClient(InferenceService, channel).predict(predictRequestFromOptions(options));
    for (const line of formatPrediction(options, response)) console.log(line);
    return 0;
  } catch (error) {
    console.error(`✗ ${explainPredictFailure(options, error)}`);
    return 1;
  } finally {
    channel.close();
  }
}

/** `tributary predict`: one flight's delay prediction from the running inference service. */
export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('Ask the inference service whether a flight will arrive 15 minutes late or more (its features are read online).')
    .requiredOption('--origin <code>', 'origin airport, e.g. ORD', airportCode)
    .requiredOption('--destination <code>', 'destination airport, e.g. LAX', airportCode)
    .requiredOption('--departure <time>', 'departure in the origin’s local time, YYYY-MM-DDTHH:MM', departureTime)
    .requiredOption('--distance <miles>', 'route distance in miles', positiveNumber('miles'))
    .option('--model <name>', 'model to ask', 'flight-delay')
    .option('--alias <alias>', 'alias to serve from', 'champion')
    .option('--address <host:port>', 'the inference service’s gRPC address (env INFERENCE_ADDRESS)', process.env['INFERENCE_ADDRESS']?.trim() || '127.0.0.1:15055')
    .option('--timeout <seconds>', 'how long to wait for the answer', positiveNumber('seconds'), 5)
    .action(runAction((options: PredictCommandOptions) => predictFlight(options)));
}
