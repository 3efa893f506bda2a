/** @tributary/resilience — Circuit breakers (opossum) with project defaults, retry with jitter, fallback chains. */
export {};
