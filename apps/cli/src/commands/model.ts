import { InvalidArgumentError, type Command } from 'commander';
import { ModelRegistryService } from '@tributary/contracts';
import { Code, TributaryError } from '@tributary/errors';
import { createGrpcChannel, createGrpcClient } from '@tributary/grpc';
import { operatorChannelSecurity, withOperatorChannelOptions, type OperatorChannelFlags } from './operator-channel.js';
import { runAction } from './run-action.js';
import { registryAddress } from './registry-address.js';

/** What `tributary model approve|promote` share on the command line. */
export interface ModelCommandOptions extends OperatorChannelFlags {
  /** `host:port` of the registry. */
  readonly registry: string;
  readonly reason: string;
  /** Who acts, for the audit history. */
  readonly actor: string;
  readonly timeout: number;
}

/** `tributary model promote`'s own options. */
export interface PromoteCommandOptions extends ModelCommandOptions {
  readonly alias: string;
  /** Compare-and-set: the version the alias must point at now (0 for not set); unset moves it unconditionally. */
  readonly expect?: number;
}

/** Exit code of a call the registry refused for the caller's identity (PERMISSION_DENIED or UNAUTHENTICATED). */
export const refusedExitCode = 3;

/** Runs one registry call as the operator; a refusal for the identity becomes one explaining line and exit code 3. */
async function asOperator(options: ModelCommandOptions, call: (client: ReturnType<typeof registryClient>) => Promise<string>): Promise<number> {
  const channel = createGrpcChannel({ address: options.registry, timeoutMs: options.timeout, ...operatorChannelSecurity(options) });
  try {
    console.log(await call(registryClient(channel)));
    return 0;
  } catch (reason) {
    const error = TributaryError.from(reason);
    if (error.code !== Code.PermissionDenied && error.code !== Code.Unauthenticated) throw error;
    console.error(
      `✗ the registry refused the call (${Code[error.code]}): ${error.message}\n` +
        '  approving and moving protected aliases takes the operator identity: mutual TLS with the operator certificate (--tls, or --cert/--key/--ca)',
    );
    return refusedExitCode;
  } finally {
    channel.close();
  }
}

const registryClient = (channel: ReturnType<typeof createGrpcChannel>) => createGrpcClient(ModelRegistryService, channel);

/** Approves a version, so that `champion` may point at it. */
export function approveVersion(model: string, version: number, options: ModelCommandOptions): Promise<number> {
  return asOperator(options, async (client) => {
    await client.approveModelVersion({ modelName: model, version, approvedBy: options.actor, reason: options.reason });
    return `✓ ${model} v${version} approved by ${options.actor}`;
  });
}

/** Moves an alias (`champion` by default) to a version. */
export function promoteVersion(model: string, version: number, options: PromoteCommandOptions): Promise<number> {
  return asOperator(options, async (client) => {
    await client.setAlias({
      modelName: model,
      alias: options.alias,
      version,
      ...(options.expect === undefined ? {} : { expectedVersion: options.expect }),
      actor: options.actor,
      reason: options.reason,
    });
    return `✓ ${model}@${options.alias} → v${version}`;
  });
}

function wholeNumber(min: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new InvalidArgumentError(`expected a whole number ≥ ${min}`);
    return value;
  };
}

/** `tributary model approve|promote`: the registry's operator RPCs. */
export function registerModelCommand(program: Command): void {
  const model = program.command('model').description('Operate the model registry: approve a version, move an alias (as the operator identity when mutual TLS is on).');
  const common = (command: Command) =>
    withOperatorChannelOptions(command)
      .option('--registry <host:port>', 'the registry’s gRPC address (env REGISTRY_ADDRESS)', registryAddress())
      .option('--reason <text>', 'why, for the audit history', 'operator decision')
      .option('--actor <name>', 'who, for the audit history (default $USER)', process.env['USER']?.trim() || 'operator')
      .option('--timeout <ms>', 'deadline of the call', wholeNumber(1), 10_000);
  common(model.command('approve <model> <version>').description('Approve a version, so that champion may point at it.')).action(
    runAction((name: string, version: string, options: ModelCommandOptions) => approveVersion(name, wholeNumber(1)(version), options)),
  );
  common(model.command('promote <model> <version>').description('Move an alias (default champion) to a version; champion needs the version approved.'))
    .option('--alias <alias>', 'champion, challenger or shadow', 'champion')
    .option('--expect <version>', 'move only if the alias points at this version now (0: not set)', wholeNumber(0))
    .action(runAction((name: string, version: string, options: PromoteCommandOptions) => promoteVersion(name, wholeNumber(1)(version), options)));
}
