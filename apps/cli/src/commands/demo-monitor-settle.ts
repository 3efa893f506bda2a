import { setTimeout as sleep } from 'node:timers/promises';
import { metricSamples } from '@tributary/observability';

/** Options of {@link waitForMonitor}. */
export interface WaitForMonitorOptions {
  /** The drift monitor's ops port (its `/metrics`). */
  readonly opsPort: number;
  /** Event time the monitor must have read up to (naive local time as if UTC, ms). */
  readonly eventTimeMs: number;
  /** How long its count of written reports must stay the same to call it done, ms. Default 3,000 (three of the demo's evaluation passes). */
  readonly quietMs?: number;
  /** Gives up after this long, ms. Default 30,000. */
  readonly timeoutMs?: number;
}

const totalOf = (text: string, name: string) => metricSamples(text, name).reduce((sum, sample) => sum + sample.value, 0);

/**
 * Waits until the drift monitor has read the replay up to `eventTimeMs` (its
 * `tributary_drift_watermark_seconds`) and then written no report for
 * `quietMs`: the windows the end of the replay closed are reported. Returns
 * whether that happened before the timeout; a monitor that does not answer
 * or has no such metrics never gets there.
 */
export async function waitForMonitor(options: WaitForMonitorOptions): Promise<boolean> {
  const { opsPort, eventTimeMs, quietMs = 3_000, timeoutMs = 30_000 } = options;
  const deadline = Date.now() + timeoutMs;
  let reports = Number.NaN;
  let unchangedSince = Date.now();
  while (Date.now() < deadline) {
    const text = await fetch(`http://127.0.0.1:${opsPort}/metrics`).then(
      (response) => response.text(),
      () => '',
    );
    const watermark = metricSamples(text, 'tributary_drift_watermark_seconds')[0]?.value ?? Number.NaN;
    if (watermark * 1000 >= eventTimeMs) {
      const written = totalOf(text, 'tributary_drift_reports_total');
      if (written !== reports) {
        reports = written;
        unchangedSince = Date.now();
      } else if (Date.now() - unchangedSince >= quietMs) {
        return true;
      }
    }
    await sleep(250);
  }
  return false;
}
