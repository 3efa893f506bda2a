/** @tributary/config — Typed, validated configuration from the environment. */
export {};
