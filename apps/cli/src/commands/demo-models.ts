import { ModelRegistryService, type ModelVersion } from '@tributary/contracts';
import { createGrpcChannel, createGrpcClient } from '@tributary/grpc';
import { createGrpcRegistryClient } from '@tributary/model-registry/client';
import { TRAINER_TAGS, decidePromotion, evaluationFromMetrics } from '@tributary/training';
import { formatWindow } from './demo-timeline.js';
import { operatorChannelSecurity } from './operator-channel.js';

/** Every version of `modelName` the registry holds, oldest first; none when the model was never registered. */
export async function listModelVersions(registryAddress: string, modelName: string): Promise<ModelVersion[]> {
  const channel = createGrpcChannel({ address: registryAddress, timeoutMs: 10_000, ...operatorChannelSecurity({}) });
  try {
    const registry = createGrpcRegistryClient(createGrpcClient(ModelRegistryService, channel), { timeoutMs: 10_000 });
    // No tag to match: every version.
    return (await registry.findByTags(modelName, {})).sort((a, b) => a.version - b.version);
  } finally {
    channel.close();
  }
}

/**
 * What a run in a namespace an earlier demo run used should know before it starts (nothing when `versions` is empty,
 * a fresh namespace): the story it can tell is shorter, and how to get the whole one.
 */
export function formatEarlierRun(versions: readonly ModelVersion[], modelName: string, namespace: string | undefined): string[] {
  const [first, last] = [versions[0], versions.at(-1)];
  if (!first || !last) return [];
  const champion = versions.find((v) => v.aliases.includes('champion'));
  const fresh = namespace === undefined ? 'demo2' : `${namespace}2`;
  return [
    `This namespace holds an earlier demo run (${modelName} v${first.version}–v${last.version}${champion ? `, champion v${champion.version}` : ''}), so this run tells a shorter story:`,
    '  ingestion drops its events as duplicates; the online store keeps that run\'s features, newer than the departures',
    "  asked about, so answers take the model's declared defaults; the drift monitor's windows are reported already.",
    `  For the whole story, a namespace of its own: TRIBUTARY_NAMESPACE=${fresh} npm run demo`,
  ];
}

const metric = (version: ModelVersion, name: string, digits = 4) => version.metrics[name]?.toFixed(digits) ?? '–';

/**
 * The models part of the report: each version with its role, training window
 * and rows, holdout metrics (and the champion's on the same holdout, when one
 * was compared), the drift report it was trained for and its aliases now.
 */
export function formatModelVersions(versions: readonly ModelVersion[]): string[] {
  return versions.flatMap((v) => {
    const role = v.tags[TRAINER_TAGS.role] ?? v.modelType;
    const aliases = v.aliases.length > 0 ? `  [${v.aliases.join(', ')}]` : '';
    const lines = [
      `  v${v.version} ${role} ${v.modelType}${aliases}: trained on ${formatWindow(v.lineage?.trainingWindow)} (${(v.lineage?.trainingRowCount ?? 0).toLocaleString('en-US')} rows)`,
      `      holdout AUC ${metric(v, 'holdout_auc')}  log loss ${metric(v, 'holdout_log_loss')}  Brier ${metric(v, 'holdout_brier')}  calibration error ${metric(v, 'holdout_calibration_error')}  late share ${metric(v, 'holdout_positive_rate', 3)}`,
    ];
    const candidate = evaluationFromMetrics(v.metrics, 'holdout_');
    const champion = evaluationFromMetrics(v.metrics, 'champion_holdout_');
    const fallback = versions.find((f) => String(f.version) === v.tags[TRAINER_TAGS.fallbackVersion]);
    const fallbackEvaluation = fallback ? evaluationFromMetrics(fallback.metrics, 'holdout_') : undefined;
    if (role === 'primary' && v.tags[TRAINER_TAGS.primaryChoice]) lines.push(`      ${v.tags[TRAINER_TAGS.primaryChoice]}`);
    if (role === 'primary' && candidate && champion) {
      // The trainer's policy (its defaults, which the demo keeps) applied to what the version recorded: the decision the trainer took.
      const decision = decidePromotion(candidate, { kind: 'scored', version: v.lineage?.parentVersion ?? 0, evaluation: champion }, {}, fallbackEvaluation);
      lines.push(`      ${decision.promote ? 'promoted' : 'not promoted'}: ${decision.reason}`);
    }
    const report = v.tags[TRAINER_TAGS.driftReportId];
    if (report) lines.push(`      trained for drift report ${report}`);
    return lines;
  });
}
