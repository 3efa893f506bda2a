import { uuidV5 } from '@tributary/flights';
import type { EventTimeWindow } from './event-time-windows.js';

/** Namespace of drift report ids: a random UUID fixed once for Tributary. */
const DRIFT_REPORTS_NAMESPACE = '3d0f7a52-8c41-4e6b-b2d9-0a9e5c7f1b64';

/**
 * The id of the report on one model version over one window: a version 5
 * UUID of `<model>/<version>/<start>/<end>`, the same in every revision and
 * after a restart, so a report published twice is recognisably one.
 */
export function driftReportId(modelName: string, modelVersion: number, window: EventTimeWindow): string {
  return uuidV5(DRIFT_REPORTS_NAMESPACE, `${modelName}/${modelVersion}/${window.startMs}/${window.endMs}`);
}
