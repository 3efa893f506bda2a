/**
 * The Python model server the inference service is measured beside: KServe's
 * own `ModelServer` (PyPI `kserve`) with a custom `Model` that runs the same
 * ONNX file in onnxruntime, in the benchmarks' virtual environment. It serves
 * the Open Inference Protocol v2 over gRPC (ModelInfer), so the same load
 * generator and the same requests reach it as reach our KServe endpoint.
 * KServe's defaults are kept (one process, its gRPC thread pool), except
 * per-request latency logging, which is off so the peer is not slowed by it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@tributary/infra';
import { benchPython } from './bench-venv.js';
import { BENCH_INFERENCE_DIR } from './flights-gbdt.js';

/** What the peer needs installed; onnxruntime at the version onnxruntime-node wraps. */
export const PYTHON_PEER_PACKAGES = ['kserve==0.21.0', 'onnxruntime==1.30.0', 'numpy==2.2.6'];

const peerScript = `
import os
import numpy as np
import onnxruntime as ort
from kserve import InferOutput, InferResponse, Model, ModelServer


class OnnxClassifier(Model):
    """P(class 1) of an ONNX classifier with input 'features' [N, F] and output 'probabilities' [N, 2]."""

    def __init__(self, name, path):
        super().__init__(name)
        self.path = path
        self.load()

    def load(self):
        self.session = ort.InferenceSession(self.path, providers=["CPUExecutionProvider"])
        self.ready = True
        return self.ready

    def predict(self, payload, headers=None, response_headers=None):
        features = payload.inputs[0].as_numpy().astype(np.float32, copy=False)
        probabilities = self.session.run(["probabilities"], {"features": features})[0][:, 1]
        output = InferOutput(name="probability", shape=[int(features.shape[0])], datatype="FP32")
        output.set_data_from_numpy(np.ascontiguousarray(probabilities), binary_data=False)
        return InferResponse(response_id=payload.id, model_name=self.name, infer_outputs=[output])


if __name__ == "__main__":
    ModelServer().start([OnnxClassifier(os.environ["PEER_MODEL_NAME"], os.environ["PEER_ONNX_PATH"])])
`;

/** A running peer. */
export interface PythonPeer {
  /** `host:port` of its gRPC (Open Inference Protocol v2) server. */
  readonly grpcAddress: string;
  readonly pid: number;
  close(): Promise<void>;
}

/** Installs what is missing, starts KServe's server on `onnxPath` as `modelName`, and waits until its model is ready. */
export async function startPythonPeer(onnxPath: string, modelName: string): Promise<PythonPeer> {
  const python = benchPython(PYTHON_PEER_PACKAGES);
  mkdirSync(BENCH_INFERENCE_DIR, { recursive: true });
  const script = join(BENCH_INFERENCE_DIR, 'kserve_peer.py');
  writeFileSync(script, peerScript);
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  const child: ChildProcess = spawn(
    python,
    [script, '--http_port', String(httpPort), '--grpc_port', String(grpcPort), '--enable_latency_logging', 'false'],
    { env: { ...process.env, PEER_MODEL_NAME: modelName, PEER_ONNX_PATH: resolve(onnxPath) }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((done) => child.once('exit', done));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  // Ready when the REST server reports the model ready (the gRPC server starts with it).
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the KServe peer exited with ${child.exitCode}: ${stderr}`);
    const ready = await fetch(`http://127.0.0.1:${httpPort}/v2/models/${modelName}/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await close();
      throw new Error(`the KServe peer did not get ready in 120 s: ${stderr}`);
    }
    await sleep(250);
  }
  return { grpcAddress: `127.0.0.1:${grpcPort}`, pid: child.pid as number, close };
}
