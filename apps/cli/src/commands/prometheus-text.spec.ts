import { describe, expect, it } from 'vitest';
import { metricSamples, sumByLabel } from './prometheus-text.js';

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
