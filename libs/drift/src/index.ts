/** @tributary/drift — Drift statistics and reference profiles. */
export {};
