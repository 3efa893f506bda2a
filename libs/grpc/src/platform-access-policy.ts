import {
  GRPCInferenceService,
  InferenceService,
  IngestionService,
  ModelRegistryService,
  TrainerService,
  type SetAliasRequest,
} from '@tributary/contracts';
import { anyAuthenticated, type AccessRule } from './access-policy.js';
import { methodPath } from './service-definition.js';

/** Options of {@link platformAccessRules}. */
export interface PlatformAccessOptions {
  /** Identities (service names) that may ask inference for predictions. Default: any authenticated identity. */
  readonly predictClients?: readonly string[];
  /** Aliases only an operator may move or delete. Default: `['champion']`. */
  readonly protectedAliases?: readonly string[];
}

/** The identity of a person operating the platform (the `tributary` command with the operator certificate). */
export const operatorIdentity = 'operator';

/**
 * Who may call what between Tributary's services (DESIGN.md's arrows): only
 * the trainer registers versions; only an operator approves and moves or
 * deletes a protected alias (`champion`); inference, the trainer, the drift
 * monitor and operators read the registry; the drift monitor and operators
 * request training; any authenticated client (or the configured set) asks
 * for predictions and ingests events. Everything else is refused.
 */
export function platformAccessRules(options: PlatformAccessOptions = {}): AccessRule[] {
  const predictClients = options.predictClients && options.predictClients.length > 0 ? options.predictClients : [anyAuthenticated];
  const protectedAliases = new Set(options.protectedAliases ?? ['champion']);
  const registry = ModelRegistryService.method;
  const registryReaders = ['inference', 'trainer', 'drift-monitor', operatorIdentity];
  const movesProtectedAlias = (request: unknown) => protectedAliases.has((request as Pick<SetAliasRequest, 'alias'>).alias);
  const protectedAliasRule = (method: string): AccessRule => ({
    target: method,
    allow: [operatorIdentity],
    when: movesProtectedAlias,
    description: `only an operator moves ${[...protectedAliases].join(', ')}`,
  });
  return [
    { target: methodPath(registry.registerModelVersion), allow: ['trainer'], description: 'only the trainer registers versions' },
    { target: methodPath(registry.approveModelVersion), allow: [operatorIdentity], description: 'only an operator approves' },
    protectedAliasRule(methodPath(registry.setAlias)),
    protectedAliasRule(methodPath(registry.deleteAlias)),
    { target: methodPath(registry.setAlias), allow: ['trainer', operatorIdentity] },
    { target: methodPath(registry.deleteAlias), allow: ['trainer', operatorIdentity] },
    ...[registry.getModelVersion, registry.listModelVersions, registry.getAuditHistory, registry.downloadArtifact].map(
      (method): AccessRule => ({ target: methodPath(method), allow: registryReaders }),
    ),
    { target: methodPath(TrainerService.method.requestTraining), allow: ['drift-monitor', operatorIdentity] },
    { target: InferenceService.typeName, allow: predictClients },
    { target: GRPCInferenceService.typeName, allow: predictClients },
    { target: IngestionService.typeName, allow: [anyAuthenticated] },
  ];
}
