import { Presets, SingleBar } from 'cli-progress';
import type { ScoringProgress } from '@tributary/scoring';

/** Shows a job's progress. */
export interface ScoreProgressView {
  update(progress: ScoringProgress): void;
  /** Idempotent. */
  stop(): void;
}

const count = (n: number) => n.toLocaleString('en-US');

/** `1,200 / 2,716 rows (44%), 850 rows/s`: a plain progress line, what a log or a pipe gets instead of a bar. */
export function formatProgressLine(progress: ScoringProgress): string {
  const percent = progress.totalRows > 0 ? Math.floor((100 * progress.doneRows) / progress.totalRows) : 100;
  const rate = progress.scoredRows / Math.max(progress.elapsedMs / 1000, 1e-3);
  return `${count(progress.doneRows)} / ${count(progress.totalRows)} rows (${percent}%), ${count(Math.round(rate))} rows/s`;
}

/**
 * A bar redrawn in place when `stream` is a terminal; otherwise one plain line
 * per update, so logs and pipes read well and tests can follow a job.
 */
export function createScoreProgressView(stream: NodeJS.WriteStream = process.stdout): ScoreProgressView {
  if (!stream.isTTY) {
    return {
      update: (progress) => void stream.write(`${formatProgressLine(progress)}\n`),
      stop: () => undefined,
    };
  }
  const bar = new SingleBar({ stream, format: ' {bar} {percentage}% | {value}/{total} rows | {rate} rows/s | eta {eta_formatted}', hideCursor: true }, Presets.shades_classic);
  let started = false;
  return {
    update(progress) {
      const rate = count(Math.round(progress.scoredRows / Math.max(progress.elapsedMs / 1000, 1e-3)));
      if (!started) bar.start(progress.totalRows, progress.doneRows, { rate });
      started = true;
      bar.setTotal(Math.max(progress.totalRows, progress.doneRows));
      bar.update(progress.doneRows, { rate });
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
