/**
 * The drift-monitor service: windows of `predictions.logged` joined with the
 * flights' outcomes from `events.validated`, judged against each model
 * version's reference profile and holdout AUC; reports to ClickHouse, metrics
 * and (alarms) `drift.detected`; training requests on `training.requested`.
 * Configuration from the environment (`--help` lists it); SIGTERM drains and closes.
 */
import { runService } from '@tributary/runtime';
import { driftMonitorConfigSchema } from './config.js';
import { startDriftMonitor } from './start-drift-monitor.js';

await runService({
  name: 'drift-monitor',
  summary: 'watches served predictions and their outcomes for drift and lost calibration, reports it and asks for retraining',
  schema: driftMonitorConfigSchema,
  start: startDriftMonitor,
});
