/** @tributary/features — Feature definitions, online store (Redis), offline store (ClickHouse), point-in-time joins. */
export {};
