/** @tributary/grpc — Serve and call protobuf-es services over @grpc/grpc-js: deadlines, status mapping, health, auth, drain. */
export {};
