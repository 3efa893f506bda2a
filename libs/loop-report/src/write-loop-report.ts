import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { loadLoopReport, type LoadLoopReportOptions } from './load-loop-report.js';
import { renderLoopReport, type RenderLoopReportOptions } from './render-loop-report.js';
import { summarizeLoopReport, type LoopReportSummary } from './summarize-loop-report.js';

/** Options of {@link writeLoopReport}: what to read, how to render it, and where to write it. */
export interface WriteLoopReportOptions extends LoadLoopReportOptions, RenderLoopReportOptions {
  /** The HTML file to write; its folder is made when missing. Either this or `directory`. */
  readonly file?: string;
  /** A folder to write the report into under {@link loopReportFileName}'s name. */
  readonly directory?: string;
  /** Put before the file name in `directory`, e.g. a namespace. Default: none. */
  readonly fileNamePrefix?: string;
}

/** A report written. */
export interface WrittenLoopReport {
  /** Absolute path of the HTML file. */
  readonly file: string;
  readonly summary: LoopReportSummary;
}

const compact = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace(/[-:]/g, '');

/** `flight-delay-20010521T0000-20010524T0000.html`: the model and the range of event time charted. */
export function loopReportFileName(summary: LoopReportSummary, prefix = ''): string {
  return `${prefix}${summary.modelName}-${compact(summary.fromMs)}-${compact(summary.toMs)}.html`;
}

/**
 * Reads, renders and writes the loop report of a model over a range of event
 * time (see {@link loadLoopReport} and {@link renderLoopReport}): the one
 * function behind the demo's HTML report and `tributary report`. The page is
 * written beside its final name and renamed, so a reader never sees half of it.
 */
export async function writeLoopReport(options: WriteLoopReportOptions): Promise<WrittenLoopReport> {
  const data = await loadLoopReport(options);
  const html = await renderLoopReport(data, options);
  const summary = summarizeLoopReport(data);
  const file = resolve(options.file ?? join(options.directory ?? '.', loopReportFileName(summary, options.fileNamePrefix)));
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, html, 'utf8');
  await rename(partial, file);
  return { file, summary };
}
