import { ModelRegistryService, type ModelVersion } from '@tributary/contracts';
import { Code, TributaryError } from '@tributary/errors';
import { createGrpcChannel, createGrpcClient } from '@tributary/grpc';

/** Who the demo acts as when it approves, in the registry's audit history. */
const APPROVER = 'tributary-demo';

const auc = (version: ModelVersion) => version.metrics['holdout_auc']?.toFixed(4) ?? '-';

/**
 * The approval step an operator takes: the trainer registers, verifies and
 * points `challenger` at its new primary, but `champion` moves only to an
 * approved version. When the model has no champion yet, the demo approves the
 * challenger and makes it champion (compare-and-set against "not set");
 * otherwise it says where both aliases stand and leaves the decision to the
 * trainer's policy and an operator. Returns the lines to print.
 */
export async function promoteFirstChampion(registryAddress: string, modelName: string): Promise<string[]> {
  const channel = createGrpcChannel({ address: registryAddress, timeoutMs: 10_000 });
  const registry = createGrpcClient(ModelRegistryService, channel);
  const byAlias = async (alias: string): Promise<ModelVersion | undefined> => {
    try {
      return (await registry.getModelVersion({ modelName, selector: { case: 'alias', value: alias } })).modelVersion;
    } catch (error) {
      if (TributaryError.from(error).code === Code.NotFound) return undefined;
      throw error;
    }
  };
  try {
    const challenger = await byAlias('challenger');
    if (!challenger) return [`${modelName} has no challenger: nothing to promote`];
    const champion = await byAlias('champion');
    if (champion?.version === challenger.version) return [`champion is v${champion.version} (holdout AUC ${auc(champion)})`];
    if (champion) {
      return [
        `champion stays v${champion.version} (holdout AUC ${auc(champion)}); challenger v${challenger.version} (holdout AUC ${auc(challenger)})`,
        `  the trainer's policy compared them on the same holdout (see above); an operator approves and moves champion`,
      ];
    }
    const reason = 'first champion of the model, approved by the demo';
    await registry.approveModelVersion({ modelName, version: challenger.version, approvedBy: APPROVER, reason });
    await registry.setAlias({ modelName, alias: 'champion', version: challenger.version, expectedVersion: 0, actor: APPROVER, reason });
    return [
      `champion → v${challenger.version} (${challenger.modelType}, holdout AUC ${auc(challenger)}), approved by ${APPROVER}`,
      `  champion moves only to an approved version (otherwise FAILED_PRECONDITION), by compare-and-set against "not set"`,
    ];
  } finally {
    channel.close();
  }
}
