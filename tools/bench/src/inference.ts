/**
 * Inference benchmark: the flights GBDT (see flights-gbdt.ts) served, and the
 * floors it is held against, all driven by one standard load generator, ghz
 * (built from the Go module proxy on first use), with real holdout rows as
 * requests:
 *
 * - bare ONNX Runtime: one-row latency in this process, and rows/s of two
 *   worker threads scoring 100-row batches;
 * - what a failing call costs the breakers that guard the inference path,
 *   beside bare opossum with its defaults (breaker-cost.ts);
 * - a bare @grpc/grpc-js server answering Predict with a fixed response (the
 *   transport floor);
 * - KServe's Python ModelServer on the same ONNX file (ModelInfer over gRPC);
 * - the inference service itself, when its build serves (see service-bench.ts),
 *   plain and with mutual TLS and per-call authorization (`predict p50 ms
 *   mtls`, see inference-mtls.ts).
 *
 * `npm run bench -- inference` writes bench-results/inference.json with the
 * load generator and the machine's load average; `--retrain` rebuilds the model.
 */
import { availableParallelism } from 'node:os';
import { createOnnxPredictor } from '@tributary/ml';
import { bareOnnxWorkers } from './bare-onnx-workers.js';
import { measureBreakerCost } from './breaker-cost.js';
import { startBarePredictServer } from './bare-predict-server.js';
import { flightsGbdt, type FlightsGbdt } from './flights-gbdt.js';
import { GHZ_VERSION, installGhz, runGhz } from './ghz.js';
import { watchLoad } from './load-watch.js';
import { KSERVE_MODEL_INFER, SEQUENTIAL_REQUESTS, TRIBUTARY_PREDICT, WARMUP_REQUESTS, modelInferMessages, predictMessages, saturating, sequential, warmUp } from './inference-requests.js';
import { startPythonPeer } from './python-peer.js';
import { measureService } from './service-bench.js';
import { percentile, reportResults, type Measurement } from './results.js';

const MODEL = 'flight-delay';
const batchRows = 100;

/** p50 and p99 of single-row ONNX Runtime calls on the event loop's thread, ms. */
async function bareOnnxSingleRow(model: FlightsGbdt): Promise<{ p50: number; p99: number }> {
  const predictor = await createOnnxPredictor(model.onnx);
  try {
    const width = model.featureNames.length;
    const latencies: number[] = [];
    for (let i = 0; i < SEQUENTIAL_REQUESTS + WARMUP_REQUESTS; i++) {
      const r = i % model.rowCount;
      const started = performance.now();
      await predictor.predictProba({ values: model.rows.subarray(r * width, (r + 1) * width), rowCount: 1 });
      if (i >= WARMUP_REQUESTS) latencies.push(performance.now() - started);
    }
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    await predictor.close();
  }
}

export async function run(): Promise<void> {
  const ghz = installGhz();
  const model = await flightsGbdt();
  const load = watchLoad();
  let serviceProblem: string | undefined;
  const measurements: Measurement[] = [
    { name: 'model trees (flights GBDT, early stopping)', value: model.trees, unit: 'trees' },
    { name: 'model features', value: model.featureNames.length, unit: '' },
    { name: 'model holdout AUC', value: model.holdoutAuc, unit: '' },
  ];
  try {
    const onnx = await bareOnnxSingleRow(model);
    measurements.push(
      { name: 'bare onnxruntime 1 row p50 ms', value: onnx.p50, unit: 'ms' },
      { name: 'bare onnxruntime 1 row p99 ms', value: onnx.p99, unit: 'ms' },
    );
    console.log(`bare onnxruntime, 1 row: p50 ${onnx.p50.toFixed(3)} ms`);
    const breaker = await measureBreakerCost();
    measurements.push(...breaker);
    console.log(`breaker: ${breaker.map((m) => `${m.name} ${m.value.toFixed(1)}`).join(', ')}`);
    const bareWorkers = await bareOnnxWorkers(model, { batchRows });
    console.log(`bare onnxruntime, 2 workers: ${bareWorkers.toFixed(0)} rows/s`);
    measurements.push({ name: 'bare onnxruntime 2 workers rows/s', value: bareWorkers, unit: 'rows/s' });

    const bare = await startBarePredictServer();
    let bareGrpcP50Ms = Number.NaN;
    try {
      // Warmed up as the service is (see warmUp): the floor and what stands on it are both measured in steady state.
      await runGhz(ghz, warmUp(bare.address, TRIBUTARY_PREDICT, predictMessages(model)));
      const report = await runGhz(ghz, sequential(bare.address, TRIBUTARY_PREDICT, predictMessages(model)));
      bareGrpcP50Ms = report.p50Ms;
      console.log(`bare grpc unary: p50 ${report.p50Ms.toFixed(3)} ms`);
      measurements.push(
        { name: 'bare grpc unary p50 ms', value: report.p50Ms, unit: 'ms' },
        { name: 'bare grpc unary p99 ms', value: report.p99Ms, unit: 'ms' },
      );
    } finally {
      await bare.close();
    }

    const peer = await startPythonPeer(model.onnxPath, MODEL);
    let peerRps = Number.NaN;
    try {
      const latency = await runGhz(ghz, sequential(peer.grpcAddress, KSERVE_MODEL_INFER, modelInferMessages(model)));
      const throughput = await runGhz(ghz, saturating(peer.grpcAddress, KSERVE_MODEL_INFER, modelInferMessages(model)));
      peerRps = throughput.rps;
      console.log(`python peer: ${peerRps.toFixed(0)} single-row requests/s`);
      measurements.push(
        { name: 'python peer modelinfer p50 ms', value: latency.p50Ms, unit: 'ms' },
        { name: 'python peer single-row /s', value: peerRps, unit: 'req/s' },
        { name: 'python peer failed requests', value: throughput.count - (throughput.statuses['OK'] ?? 0), unit: 'requests' },
      );
    } finally {
      await peer.close();
    }

    const floors = { bareGrpcP50Ms, bareOnnxP50Ms: onnx.p50, bareWorkersRowsPerSecond: bareWorkers, pythonPeerRequestsPerSecond: peerRps };
    // The floors stand on their own: a service that cannot be measured is reported, not allowed to lose them.
    measurements.push(...(await measureService(ghz, model, floors).catch((error: unknown) => {
      serviceProblem = error instanceof Error ? error.message : String(error);
      console.error(`the inference service was not measured: ${serviceProblem}`);
      return [];
    })));
  } finally {
    load.stop();
  }
  reportResults('inference', measurements, {
    conditions: {
      loadGenerator: `ghz ${GHZ_VERSION} (github.com/bojand/ghz)`,
      loadAverage1mMin: Math.min(...load.samples),
      loadAverage1mMax: Math.max(...load.samples),
      cpus: availableParallelism(),
      ...(serviceProblem ? { serviceNotMeasured: serviceProblem } : {}),
    },
  });
}
