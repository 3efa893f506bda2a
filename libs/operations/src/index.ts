/**
 * @tributary/operations — what an SRE asks of a running platform, in one
 * call: each service's health, readiness, version and circuit breakers (from
 * its ops server), each consumer group's lag per partition (Kafka admin),
 * each model's registry aliases beside the versions inference serves, and the
 * problems among them. `tributary status` prints it.
 */
export { InvalidServiceAddressError } from './errors.js';
export { formatPlatformStatus, platformStatusJson } from './format-platform-status.js';
export { collectModelStatus, servedVersionsFromInference, type ModelStatus, type ServedVersion, type ServedVersionsSource } from './model-status.js';
export { collectPlatformStatus, type ConsumerLagStatus, type PlatformStatus, type PlatformStatusOptions } from './platform-status.js';
export {
  probeService,
  type BreakerStatus,
  type FailingCheck,
  type ProbeServiceOptions,
  type ServiceEndpoint,
  type ServiceStatus,
} from './probe-service.js';
export { serviceEndpoints, type ServiceDefault, type ServiceEndpointsOptions } from './service-endpoints.js';
