/** `2001-05-21 08:30`: event time as the dataset's naive local time; `…` for an open end. */
export function eventTimeText(ms: number | undefined): string {
  return ms === undefined ? '…' : Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') : String(ms);
}
