/**
 * @tributary/fuzz — property-based fuzzing of the system's edges with
 * fast-check. An edge is an arbitrary and a check ({@link FuzzEdge});
 * {@link assertEdgeHolds} runs it in a spec, `FUZZ_RUNS` inputs per edge,
 * and appends a report to `FUZZ_REPORT` for the fuzz benchmark. Generators
 * of hostile bytes and text, a gRPC caller that sends raw bytes and a
 * ready-made edge of garbage on the wire ({@link grpcWireEdge}) make each
 * edge a few lines.
 */
export { assertEdgeHolds } from './assert-edge-holds.js';
export { FuzzPropertyError, InvalidFuzzSettingError } from './errors.js';
export { DEFAULT_FUZZ_RUNS, fuzzSettings, type FuzzEnvironment, type FuzzSettings } from './fuzz-settings.js';
export { expectAnswered, grpcWireEdge, type GrpcWireEdgeOptions, type WireMethod } from './grpc-wire-edge.js';
export { hostileText, type HostileTextOptions } from './hostile-text.js';
export { mutatedBytes, type MutatedBytesOptions } from './mutated-bytes.js';
export { createRawGrpcCaller, type RawCallOutcome, type RawGrpcCaller, type RawGrpcCallerOptions } from './raw-grpc-caller.js';
export { runFuzzEdge, type FuzzEdge, type FuzzFailure, type FuzzReport, type RunFuzzEdgeOptions } from './run-fuzz-edge.js';
