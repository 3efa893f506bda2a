import { getMetricsRegistry } from '@tributary/observability';
import { Counter, Gauge, Histogram } from 'prom-client';

/** The trainer's Prometheus metrics. */
export interface TrainingMetrics {
  /** Runs by outcome: `registered`, `duplicate` (the request was already done) or `failed`. */
  readonly runs: Counter<'outcome'>;
  /** Duration of each stage of a run, by stage and outcome (`ok` or `failed`). */
  readonly stageSeconds: Histogram<'stage' | 'outcome'>;
  /** Holdout AUC of the last registered version, by model and role (`primary`, `fallback`). */
  readonly holdoutAuc: Gauge<'model' | 'role'>;
}

let metrics: TrainingMetrics | undefined;

/** The trainer's metrics, registered once in the shared registry. */
export function trainingMetrics(): TrainingMetrics {
  metrics ??= {
    runs: new Counter({
      name: 'tributary_trainer_runs_total',
      help: 'Training runs by outcome',
      labelNames: ['outcome'],
      registers: [getMetricsRegistry()],
    }),
    stageSeconds: new Histogram({
      name: 'tributary_trainer_stage_seconds',
      help: 'Duration of the stages of training runs',
      labelNames: ['stage', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers: [getMetricsRegistry()],
    }),
    holdoutAuc: new Gauge({
      name: 'tributary_trainer_holdout_auc',
      help: 'Holdout AUC of the last version registered',
      labelNames: ['model', 'role'],
      registers: [getMetricsRegistry()],
    }),
  };
  return metrics;
}
