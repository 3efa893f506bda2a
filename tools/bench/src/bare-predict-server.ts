/**
 * The floor under the inference service's latency: a bare @grpc/grpc-js
 * server on `tributary.v1.InferenceService/Predict` that answers every call
 * at once with one fixed, pre-encoded response, without decoding the request
 * or running anything — the transport alone, measured with the same load
 * generator and requests as the service.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { PredictResponseSchema, ServingTier } from '@tributary/contracts';

/** A running bare server. */
export interface BarePredictServer {
  readonly address: string;
  close(): Promise<void>;
}

/** Starts the server on a free loopback port. */
export async function startBarePredictServer(): Promise<BarePredictServer> {
  const response = Buffer.from(
    toBinary(PredictResponseSchema, create(PredictResponseSchema, { modelName: 'flight-delay', modelVersion: 1, probability: 0.25, servedBy: ServingTier.PRIMARY })),
  );
  const passBytes = (bytes: Buffer) => bytes;
  const server = new Server();
  server.addService(
    {
      Predict: {
        path: '/tributary.v1.InferenceService/Predict',
        requestStream: false,
        responseStream: false,
        requestSerialize: passBytes,
        requestDeserialize: passBytes,
        responseSerialize: passBytes,
        responseDeserialize: passBytes,
      },
    },
    { Predict: (_call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => callback(null, response) },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    address: `127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
