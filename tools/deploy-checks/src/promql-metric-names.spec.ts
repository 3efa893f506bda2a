import { describe, expect, it } from 'vitest';
import { promqlMetricNames } from './promql-metric-names.js';

describe('promqlMetricNames()', () => {
  it('finds the metrics of an expression and nothing else', () => {
    const expression = `histogram_quantile(0.99, sum by (le, grpc_method) (rate(grpc_server_handling_seconds_bucket{job="inference", grpc_service=~"a|b"}[$__rate_interval])))
      / on (job) group_left (instance) sum without (pod) (up{job="x"} offset 5m) > bool 1e3
      and sum(tributary_breaker_state{breaker!="serving-registry"}) == 2 or label_replace(nodejs_heap_size_used_bytes, "dst", "$1", "src", "(.*)")`;
    expect([...promqlMetricNames(expression)].sort()).toEqual(['grpc_server_handling_seconds_bucket', 'nodejs_heap_size_used_bytes', 'tributary_breaker_state', 'up']);
  });

  it('finds a misspelt metric as it is written', () => {
    expect([...promqlMetricNames('sum(rate(tributary_kafka_consumer_lagg[5m]))')]).toEqual(['tributary_kafka_consumer_lagg']);
  });
});
