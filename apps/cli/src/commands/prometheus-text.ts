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
