/** One sample of a Prometheus text exposition: its labels and value. */
export interface MetricSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of metric `name` in a `/metrics` page (comments and other metrics skipped). */
export function metricSamples(text: string, name: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    const match = SAMPLE.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(LABEL)].map(([, key, value]) => [key as string, (value as string).replace(/\\(.)/g, '$1')]));
    samples.push({ labels, value: Number(match[3]) });
  }
  return samples;
}

/** Sum of a metric's samples grouped by one label, e.g. rejected events by `reason`. */
export function sumByLabel(samples: readonly MetricSample[], label: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const { labels, value } of samples) {
    const key = labels[label] ?? '';
    sums.set(key, (sums.get(key) ?? 0) + value);
  }
  return sums;
}

const TYPE = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)\s*$/;

/** Series names a metric of each type exposes besides (or instead of) its own name. */
const seriesSuffixes: Readonly<Record<string, readonly string[]>> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

/**
 * Every series name a `/metrics` page exposes, from its `# TYPE` lines (a
 * histogram `x` gives `x_bucket`, `x_sum`, `x_count`) and its samples: what a
 * PromQL expression may name. A metric registered with no sample yet (a
 * labelled counter nothing incremented) is there by its `# TYPE` line.
 */
export function exportedMetricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = TYPE.exec(line);
    if (type) {
      for (const suffix of seriesSuffixes[type[2] as string] ?? ['']) names.add(`${type[1] as string}${suffix}`);
      continue;
    }
    const sample = line.startsWith('#') ? null : SAMPLE.exec(line);
    if (sample) names.add(sample[1] as string);
  }
  return names;
}
