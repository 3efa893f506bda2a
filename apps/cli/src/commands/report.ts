import { join } from 'node:path';
import type { Command } from 'commander';
import type { ModelVersion } from '@tributary/contracts';
import { Code, TributaryError } from '@tributary/errors';
import { resolveInfraConfig } from '@tributary/infra';
import { InvalidReportRangeError, NoLoopReportDataError, formatLoopReportSummary, writeLoopReport, type WrittenLoopReport } from '@tributary/loop-report';
import { windowBound } from './arguments.js';
import { listModelVersions } from './demo-models.js';
import { withStore } from './drift.js';
import { platformNames } from './platform-names.js';
import { runAction } from './run-action.js';
import { registryAddress } from './registry-address.js';

/** Exit codes of `tributary report`. */
export const REPORT_EXIT_CODES = { done: 0, failed: 1, invalidArguments: 2, noData: 4 } as const;

/** What {@link writeReport} needs: the model, the range of event time, where to write, where the registry is. */
export interface WriteReportOptions {
  readonly modelName: string;
  /** Only windows starting at or after this event time, ms; default the first reported. */
  readonly fromMs?: number;
  /** Only windows ending at or before this event time, ms; default the last reported. */
  readonly toMs?: number;
  /** The HTML file; default `<TRIBUTARY_HOME>/reports/[<namespace>-]<model>-<from>-<to>.html`. */
  readonly out?: string;
  /** `host:port` of the registry, for the versions table. */
  readonly registryAddress: string;
}

/** The registry's versions of the model, or undefined (with a line saying why) when it cannot be asked. */
async function registryVersions(address: string, modelName: string): Promise<readonly ModelVersion[] | undefined> {
  try {
    return await listModelVersions(address, modelName);
  } catch (error) {
    console.log(`registry at ${address} not reached (${Code[TributaryError.from(error).code]}): the versions table lists the versions the reports name`);
    return undefined;
  }
}

/**
 * Writes the loop report of a model from the drift monitor's tables in
 * ClickHouse and the registry's versions, and says where: the demo's HTML
 * report and `tributary report` are this one function.
 */
export async function writeReport(options: WriteReportOptions): Promise<WrittenLoopReport> {
  const names = platformNames();
  const versions = await registryVersions(options.registryAddress, options.modelName);
  const written = await withStore((store) =>
    writeLoopReport({
      store,
      modelName: options.modelName,
      ...(options.fromMs === undefined ? {} : { fromMs: options.fromMs }),
      ...(options.toMs === undefined ? {} : { toMs: options.toMs }),
      ...(versions === undefined ? {} : { versions }),
      ...(options.out === undefined
        ? { directory: join(resolveInfraConfig().home, 'reports'), fileNamePrefix: names.namespace === undefined ? '' : `${names.namespace}-` }
        : { file: options.out }),
      source: `ClickHouse ${store.database}${versions === undefined ? '' : `, registry ${options.registryAddress}`}`,
    }),
  );
  console.log(`HTML report: ${written.file}`);
  console.log(`  ${formatLoopReportSummary(written.summary)}`);
  return written;
}

interface ReportCommandOptions {
  readonly from?: number;
  readonly to?: number;
  readonly model: string;
  readonly out?: string;
  readonly registry: string;
}

async function runReport(options: ReportCommandOptions): Promise<number> {
  try {
    await writeReport({
      modelName: options.model,
      registryAddress: options.registry,
      ...(options.from === undefined ? {} : { fromMs: options.from }),
      ...(options.to === undefined ? {} : { toMs: options.to }),
      ...(options.out === undefined ? {} : { out: options.out }),
    });
    return REPORT_EXIT_CODES.done;
  } catch (error) {
    if (error instanceof NoLoopReportDataError) {
      console.error(`✗ ${error.message}; \`tributary drift reports\` lists the windows it reported`);
      return REPORT_EXIT_CODES.noData;
    }
    if (error instanceof InvalidReportRangeError) {
      console.error(`✗ ${error.message}`);
      return REPORT_EXIT_CODES.invalidArguments;
    }
    throw error;
  }
}

/** `tributary report`: the loop report re-rendered from ClickHouse for any range of event time. */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('write the HTML report of the closed loop (realised AUC, calibration, drift, versions serving) from the drift monitor’s tables in ClickHouse and the registry, for any range of event time')
    .option('--from <time>', 'only windows starting at or after this event time, YYYY-MM-DD[THH:MM] (default: the first reported)', windowBound)
    .option('--to <time>', 'only windows ending at or before this event time, YYYY-MM-DD[THH:MM] (default: the last reported)', windowBound)
    .option('--model <name>', 'the model', 'flight-delay')
    .option('--out <file.html>', 'where to write it (default: .tributary/reports/[<namespace>-]<model>-<from>-<to>.html)')
    .option('--registry <host:port>', 'the registry’s gRPC address, for the versions (env REGISTRY_ADDRESS)', registryAddress())
    .action(runAction(runReport));
}
