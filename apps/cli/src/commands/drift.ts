import { timestampMs } from '@bufbuild/protobuf/wkt';
import { InvalidArgumentError, type Command } from 'commander';
import { clickhouseEnv, loadConfig } from '@tributary/config';
import { ModelRegistryService, type DriftReport } from '@tributary/contracts';
import { createDriftMonitorStore, type DriftMonitorStore, type TrainingLineage } from '@tributary/drift';
import { createGrpcChannel, createGrpcClient } from '@tributary/grpc';
import { createClickHouseConnection } from '@tributary/runtime';
import { TRAINER_TAGS } from '@tributary/training';
import { platformNames } from './platform-names.js';
import { runAction } from './run-action.js';
import { registryAddress } from './registry-address.js';

/** One line of `tributary drift reports`: window, version, evidence, and what the report led to. */
export function driftReportLine(report: DriftReport, lineage: readonly TrainingLineage[]): string {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  const window = report.window?.startTime && report.window.endTime ? `${day(timestampMs(report.window.startTime))} → ${day(timestampMs(report.window.endTime))}` : '(no window)';
  const { performance } = report;
  const perf = performance
    ? `auc ${performance.auc?.toFixed(3) ?? '–'}, late ${performance.observedPositiveShare.toFixed(3)} vs predicted ${performance.predictedPositiveShare.toFixed(3)} (${performance.labelledCount} outcomes)`
    : 'no outcomes yet';
  const alarm = report.alert ? `ALARM ${report.reasons.map((reason) => `${reason.rule} ${reason.value.toFixed(3)} ≥ ${reason.threshold}`).join(', ')}` : 'calm';
  const led = lineage.filter((row) => row.reportId === report.reportId).map((row) => `→ request ${row.requestId} → ${row.producedVersion === undefined ? 'no version yet' : `version ${row.producedVersion}`}`);
  return [`${window}  ${report.modelName}@${report.modelVersion} r${report.revision}  ${report.sampleCount} predictions, ${perf}, drift share ${report.driftShare.toFixed(2)}  ${alarm}`, ...led].join('  ');
}

/** `flight-delay@3` → its parts. */
export function parseModelVersion(text: string): { modelName: string; version: number } {
  const match = /^(.+)@(\d+)$/.exec(text);
  if (!match) throw new InvalidArgumentError('expected <model>@<version>, e.g. flight-delay@3');
  return { modelName: match[1] as string, version: Number(match[2]) };
}

/** Runs `use` with the drift monitor's store in ClickHouse (`CLICKHOUSE_URL`, the namespace's `CLICKHOUSE_DATABASE`), and closes the client after. */
export async function withStore<T>(use: (store: DriftMonitorStore) => Promise<T>): Promise<T> {
  const { clickhouse } = loadConfig({ clickhouse: clickhouseEnv() }, process.env);
  // The client logs nothing itself: a failed query is thrown, and the command prints it once.
  const client = createClickHouseConnection(clickhouse, { quiet: true });
  try {
    return await use(createDriftMonitorStore({ client, database: platformNames().database }));
  } finally {
    await client.close();
  }
}

/** Registers `tributary drift reports` and `tributary drift lineage <model>@<version>`. */
export function registerDriftCommand(program: Command): void {
  const drift = program.command('drift').description('the drift monitor’s reports and the lineage of retrained models (read from ClickHouse and the registry)');
  drift
    .command('reports')
    .description('latest windows the drift monitor reported, newest first, with their evidence and the versions they led to')
    .option('--model <name>', 'only this model')
    .option('--alerts', 'only windows that raised an alarm', false)
    .option('--limit <n>', 'at most this many', (text) => Number.parseInt(text, 10), 20)
    .action(
      runAction(async (options: { model?: string; alerts: boolean; limit: number }) =>
        withStore(async (store) => {
          const reports = await store.reports({ ...(options.model === undefined ? {} : { modelName: options.model }), alertsOnly: options.alerts, limit: options.limit });
          const lineage = await store.lineage(options.model === undefined ? {} : { modelName: options.model });
          for (const report of reports) console.log(driftReportLine(report, lineage));
          if (reports.length === 0) console.log('no drift reports yet');
          return 0;
        }),
      ),
    );
  drift
    .command('lineage <model@version>')
    .description('where a version came from: its training request and, when a drift report caused it, that report’s window and evidence')
    .option('--registry <host:port>', 'the registry’s gRPC address (env REGISTRY_ADDRESS)', registryAddress())
    .action(
      runAction(async (text: string, options: { registry: string }) => {
        const { modelName, version } = parseModelVersion(text);
        const token = process.env['SERVICE_AUTH_TOKEN']?.trim();
        const channel = createGrpcChannel({ address: options.registry, ...(token ? { token } : {}) });
        try {
          const { modelVersion } = await createGrpcClient(ModelRegistryService, channel).getModelVersion({ modelName, selector: { case: 'version', value: version } });
          const window = modelVersion?.lineage?.trainingWindow;
          const trained = window?.startTime && window.endTime ? `${new Date(timestampMs(window.startTime)).toISOString()} → ${new Date(timestampMs(window.endTime)).toISOString()}` : 'unknown';
          console.log(`${modelName}@${version}: trained on ${trained} for request ${modelVersion?.lineage?.trainingRequestId ?? '?'} (asked by ${modelVersion?.tags['requested_by'] ?? '?'}), parent version ${modelVersion?.lineage?.parentVersion ?? 0}`);
          const reportId = modelVersion?.tags[TRAINER_TAGS.driftReportId];
          if (!reportId) {
            console.log('no drift report caused it');
            return 0;
          }
          return await withStore(async (store) => {
            const [report] = await store.reports({ reportId });
            console.log(report ? `caused by drift report ${reportId}: ${driftReportLine(report, await store.lineage({ reportId }))}` : `caused by drift report ${reportId} (not in this database)`);
            return 0;
          });
        } finally {
          channel.close();
        }
      }),
    );
}
