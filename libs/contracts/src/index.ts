/** @tributary/contracts — TypeScript generated from proto/ with protoc-gen-es (committed; CI fails if stale). */
export {};
