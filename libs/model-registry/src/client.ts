/**
 * @tributary/model-registry/client — the one client of the registry service
 * every other service uses (the trainer registers and promotes, inference
 * resolves aliases and downloads artifacts), over the registry's gRPC
 * `ModelRegistryService`.
 */
export {
  createGrpcRegistryClient,
  type AliasMoveRequest,
  type GrpcRegistryClientOptions,
  type RegistryClient,
  type VersionUpload,
} from './registry-client.js';
