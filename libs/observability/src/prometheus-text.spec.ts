import { describe, expect, it } from 'vitest';
import { exportedMetricNames, metricSamples, sumByLabel } from './prometheus-text.js';

const page = `# HELP tributary_ingest_events_rejected_total Events rejected.
# TYPE tributary_ingest_events_rejected_total counter
tributary_ingest_events_rejected_total{reason="schema.out_of_range"} 3
tributary_ingest_events_rejected_total{reason="decode.malformed",note="a \\"quoted\\" one"} 2
tributary_ingest_events_rejected_total_extra 99
tributary_ingest_events_accepted_total{type="flight.departed"} 10
tributary_ingest_events_accepted_total{type="flight.arrived"} 9.5
process_uptime_seconds 12
`;

describe('metricSamples()', () => {
  it('reads the samples of one metric with their labels, and nothing else', () => {
    expect(metricSamples(page, 'tributary_ingest_events_rejected_total')).toEqual([
      { labels: { reason: 'schema.out_of_range' }, value: 3 },
      { labels: { reason: 'decode.malformed', note: 'a "quoted" one' }, value: 2 },
    ]);
    expect(metricSamples(page, 'process_uptime_seconds')).toEqual([{ labels: {}, value: 12 }]);
    expect(metricSamples(page, 'missing_metric')).toEqual([]);
  });
});

describe('sumByLabel()', () => {
  it('adds samples up per label value', () => {
    const accepted = sumByLabel(metricSamples(page, 'tributary_ingest_events_accepted_total'), 'type');
    expect([...accepted]).toEqual([
      ['flight.departed', 10],
      ['flight.arrived', 9.5],
    ]);
  });
});

describe('exportedMetricNames()', () => {
  it('lists the series each declared metric exposes, with or without samples', () => {
    const text = [
      '# HELP grpc_server_handling_seconds Duration.',
      '# TYPE grpc_server_handling_seconds histogram',
      '# HELP tributary_breaker_state State.',
      '# TYPE tributary_breaker_state gauge',
      'tributary_breaker_state{breaker="serving-registry"} 0',
      '# TYPE rpc_latency summary',
      '# TYPE tributary_serving_answers_total counter',
      'undeclared_metric 1',
    ].join('\n');
    expect([...exportedMetricNames(text)].sort()).toEqual([
      'grpc_server_handling_seconds_bucket',
      'grpc_server_handling_seconds_count',
      'grpc_server_handling_seconds_sum',
      'rpc_latency',
      'rpc_latency_count',
      'rpc_latency_sum',
      'tributary_breaker_state',
      'tributary_serving_answers_total',
      'undeclared_metric',
    ]);
  });
});
