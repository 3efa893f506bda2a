import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { DriftReport, TrainingRequest } from '@tributary/contracts';
import type { DriftAlarm } from '@tributary/drift';
import { getMetricsRegistry } from '@tributary/observability';
import { Counter, Gauge } from 'prom-client';
import { TrainingReason } from '@tributary/contracts';

/** The drift monitor's Prometheus metrics, fed by the monitor's report and request hooks. */
export interface MonitorMetrics {
  observeReport(report: DriftReport): void;
  observeAlarm(alarm: DriftAlarm): void;
  observeTrainingRequest(request: TrainingRequest): void;
  observeWatermark(watermarkMs: number | undefined): void;
}

/** Registers the metrics (once per process) in the shared registry. */
export function createMonitorMetrics(): MonitorMetrics {
  const registry = getMetricsRegistry();
  const existing = registry.getSingleMetric('tributary_drift_reports_total');
  const labels = ['model', 'version'] as const;
  const gauge = (name: string, help: string) => (registry.getSingleMetric(name) as Gauge<'model' | 'version'> | undefined) ?? new Gauge({ name, help, labelNames: labels, registers: [registry] });
  const reports = (existing as Counter<'model' | 'alert'> | undefined) ?? new Counter({ name: 'tributary_drift_reports_total', help: 'Window reports written (each revision), by whether they raised an alarm', labelNames: ['model', 'alert'], registers: [registry] });
  const alarms =
    (registry.getSingleMetric('tributary_drift_alarms_total') as Counter<'model' | 'rule'> | undefined) ??
    new Counter({ name: 'tributary_drift_alarms_total', help: 'Alarms published (drift.detected), by rule new to the window’s verdict', labelNames: ['model', 'rule'], registers: [registry] });
  const requests =
    (registry.getSingleMetric('tributary_drift_training_requests_total') as Counter<'model' | 'trigger'> | undefined) ??
    new Counter({ name: 'tributary_drift_training_requests_total', help: 'Training requests made, by trigger (drift or schedule)', labelNames: ['model', 'trigger'], registers: [registry] });
  const driftShare = gauge('tributary_drift_window_drift_share', 'Share of drifted features in the latest reported window');
  const auc = gauge('tributary_drift_window_auc', 'Realised AUC of the latest reported window');
  const logLoss = gauge('tributary_drift_window_log_loss', 'Realised log loss of the latest reported window');
  const gap = gauge('tributary_drift_window_calibration_gap', 'Observed minus mean predicted positive share in the latest reported window');
  const samples = gauge('tributary_drift_window_predictions', 'Predictions in the latest reported window');
  const windowEnd = gauge('tributary_drift_window_end_seconds', 'Event-time end of the latest reported window');
  const watermark =
    (registry.getSingleMetric('tributary_drift_watermark_seconds') as Gauge | undefined) ??
    new Gauge({ name: 'tributary_drift_watermark_seconds', help: 'Newest flight event time seen (event time)', registers: [registry] });

  return {
    observeReport(report) {
      const l = { model: report.modelName, version: String(report.modelVersion) };
      reports.inc({ model: report.modelName, alert: String(report.alert) });
      driftShare.set(l, report.driftShare);
      samples.set(l, report.sampleCount);
      if (report.window?.endTime) windowEnd.set(l, timestampMs(report.window.endTime) / 1000);
      const { performance } = report;
      if (performance !== undefined) {
        if (performance.auc !== undefined) auc.set(l, performance.auc);
        logLoss.set(l, performance.logLoss);
        gap.set(l, performance.calibrationGap);
      }
    },
    observeAlarm({ report, raised }) {
      // A verdict part is a rule, or `feature_drift:<feature>`: counted by its rule, once per feature that joined.
      for (const part of raised) alarms.inc({ model: report.modelName, rule: part.split(':')[0] as string });
    },
    observeTrainingRequest(request) {
      requests.inc({ model: request.modelName, trigger: request.reason === TrainingReason.SCHEDULED ? 'schedule' : 'drift' });
    },
    observeWatermark(watermarkMs) {
      if (watermarkMs !== undefined) watermark.set(watermarkMs / 1000);
    },
  };
}
