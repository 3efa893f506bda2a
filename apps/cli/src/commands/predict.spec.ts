import { create } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { Command } from 'commander';
import { InferenceService, PredictResponseSchema, ServingTier, type PredictRequest } from '@tributary/contracts';
import { Code, TributaryError } from '@tributary/errors';
import { createGrpcServer, type GrpcServer } from '@tributary/grpc';
import { createLogger } from '@tributary/observability';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatPrediction, predictFlight, predictRequestFromOptions, registerPredictCommand, type PredictCommandOptions } from './predict.js';

const options: PredictCommandOptions = {
  origin: 'ORD',
  destination: 'LAX',
  departure: Date.UTC(2001, 0, 2, 8, 0),
  distance: 1745,
  model: 'flight-delay',
  alias: 'champion',
  address: '127.0.0.1:1',
  timeout: 2,
};

/** Parses a command line the way `tributary predict` does and returns the options the action got. */
async function parse(args: string[]): Promise<PredictCommandOptions> {
  const program = new Command().exitOverride();
  registerPredictCommand(program);
  const predict = program.commands.find((c) => c.name() === 'predict') as Command;
  predict.exitOverride().configureOutput({ writeErr: () => undefined });
  let received: PredictCommandOptions | undefined;
  predict.action((parsed: PredictCommandOptions) => {
    received = parsed;
  });
  await program.parseAsync(['predict', ...args], { from: 'user' });
  return received as PredictCommandOptions;
}

describe('tributary predict', () => {
  it('reads a flight from the command line, with the model and alias defaulted', async () => {
    const parsed = await parse(['--origin', 'ord', '--destination', 'LAX', '--departure', '2001-01-02T08:00', '--distance', '1745']);
    expect(parsed).toMatchObject({ origin: 'ORD', destination: 'LAX', departure: Date.UTC(2001, 0, 2, 8, 0), distance: 1745, model: 'flight-delay', alias: 'champion' });
  });

  it('says which argument is wrong', async () => {
    const flight = ['--origin', 'ORD', '--destination', 'LAX', '--distance', '1745'];
    await expect(parse([...flight, '--departure', '2001-01-02 08:00'])).rejects.toThrow(/YYYY-MM-DDTHH:MM/);
    await expect(parse([...flight, '--departure', '2001-13-02T08:00'])).rejects.toThrow(/not a valid date/);
    await expect(parse(['--origin', 'Chicago', '--destination', 'LAX', '--departure', '2001-01-02T08:00', '--distance', '1745'])).rejects.toThrow(/airport code/);
    await expect(parse(['--origin', 'ORD', '--destination', 'LAX', '--departure', '2001-01-02T08:00', '--distance', '-3'])).rejects.toThrow(/positive number of miles/);
  });
});

describe('predictRequestFromOptions()', () => {
  it('asks for the flight, whose features the service reads online', () => {
    const request = predictRequestFromOptions(options);
    expect(request).toMatchObject({ modelName: 'flight-delay', alias: 'champion', flight: { origin: 'ORD', destination: 'LAX', distanceMiles: 1745 } });
    expect(request.flight?.departureTime && timestampMs(request.flight.departureTime)).toBe(options.departure);
    expect(request.requestId).toMatch(/^cli-/);
    expect(request.featureVector).toEqual([]);
  });
});

describe('formatPrediction()', () => {
  it('gives the probability, the class, who served it and the defaulted features', () => {
    const lines = formatPrediction(
      options,
      create(PredictResponseSchema, {
        probability: 0.6123, prediction: 1, modelName: 'flight-delay', modelVersion: 7, alias: 'champion',
        servedBy: ServingTier.FALLBACK_MODEL, latencyMs: 1.25, defaultedFeatures: ['route.mean_delay_7d'],
      }),
    ).join('\n');
    expect(lines).toContain('ORD → LAX, departing 2001-01-02 08:00 local time, 1745 miles');
    expect(lines).toContain('P(arrives ≥ 15 min late) 0.612: late');
    expect(lines).toContain('served by flight-delay v7 through alias champion, fallback model, in 1.25 ms');
    expect(lines).toContain("1 feature(s) had no online value and took the model's default: route.mean_delay_7d");
  });

  it('says when no model answered', () => {
    const lines = formatPrediction(options, create(PredictResponseSchema, { probability: 0.2, modelName: 'flight-delay', servedBy: ServingTier.DEFAULT })).join('\n');
    expect(lines).toContain('no model version');
    expect(lines).toContain('default answer (nothing else could answer)');
    expect(lines).toContain('every feature had a value');
  });
});

describe('predictFlight()', () => {
  let server: GrpcServer;
  let address: string;
  const received: PredictRequest[] = [];
  const printed: string[] = [];

  beforeAll(async () => {
    vi.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
    vi.spyOn(console, 'error').mockImplementation((line: string) => void printed.push(line));
    // A server of the real contract that knows one model, to see what reaches it and how its answers and refusals are shown.
    server = createGrpcServer({ address: '127.0.0.1:0', logger: createLogger({ name: 'predict-spec', level: 'fatal' }) });
    server.register(InferenceService, {
      predict: (request) => {
        received.push(request);
        if (request.modelName !== 'flight-delay') throw new TributaryError(Code.NotFound, `model "${request.modelName}" is not served`);
        return { probability: 0.3, modelName: request.modelName, modelVersion: 2, alias: request.alias, servedBy: ServingTier.PRIMARY };
      },
      predictBatch: () => ({}),
    });
    address = `127.0.0.1:${await server.start()}`;
  });

  afterAll(async () => {
    await server.shutdown();
    vi.restoreAllMocks();
  });

  it('prints the answer of the service', async () => {
    printed.length = 0;
    expect(await predictFlight({ ...options, address })).toBe(0);
    expect(received.at(-1)?.flight?.origin).toBe('ORD');
    expect(printed.join('\n')).toContain('served by flight-delay v2 through alias champion, primary model');
  });

  it('names the model and alias the service does not serve', async () => {
    printed.length = 0;
    expect(await predictFlight({ ...options, address, model: 'taxi-fare' })).toBe(1);
    expect(printed.join('\n')).toMatch(/does not serve model "taxi-fare" with alias "champion": model "taxi-fare" is not served/);
  });

  it('says where it looked when no service answers', async () => {
    printed.length = 0;
    expect(await predictFlight({ ...options, address: '127.0.0.1:1', timeout: 2 })).toBe(1);
    expect(printed.join('\n')).toMatch(/(unreachable|no answer from the inference service at 127\.0\.0\.1:1)/);
  });
});
