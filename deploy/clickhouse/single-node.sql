-- ClickHouse schema of one server: what the services create at start.
-- Generated from the stores the services run (events_raw, features_*, drift_*, batch_score*)
-- and the grants of libs/infra platformPrincipals (a role per service, no CREATE: CLICKHOUSE_MANAGE_SCHEMA=false):
-- do not edit; regenerate with `npm run clickhouse-schemas -w @tributary/deploy-checks` (deploy/README.md).

CREATE DATABASE IF NOT EXISTS tributary;

CREATE TABLE IF NOT EXISTS tributary.batch_score_jobs
(
    `job_id` String,
    `model_name` LowCardinality(String),
    `model_version` UInt32,
    `model_spec` String,
    `source` String,
    `source_identity` String,
    `status` Enum8('running' = 1, 'complete' = 2),
    `rows` UInt64,
    `started_at` DateTime64(3, 'UTC'),
    `updated_at` DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY job_id
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS tributary.batch_score_rows
(
    `job_id` String,
    `chunk` UInt32,
    `chunk_rows` UInt32,
    `model_name` LowCardinality(String),
    `model_version` UInt32,
    `event_id` String,
    `probability` Float64,
    `prediction` UInt8,
    `scored_at` DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (job_id, event_id)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS tributary.drift_flights
(
    `departed_event_id` String,
    `departure_time_ms` Int64,
    `event_time_ms` Int64,
    `outcome_known` UInt8,
    `late` UInt8
)
ENGINE = ReplacingMergeTree(outcome_known)
ORDER BY (departure_time_ms, departed_event_id)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS tributary.drift_predictions
(
    `model_name` LowCardinality(String),
    `model_version` UInt32,
    `request_id` String,
    `shadow` UInt8,
    `alias` LowCardinality(String),
    `served_by` UInt8,
    `event_id` String,
    `prediction_time_ms` Int64,
    `probability` Float64,
    `features` Map(String, Float64)
)
ENGINE = ReplacingMergeTree
ORDER BY (model_name, model_version, event_id, request_id, shadow)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS tributary.drift_reports
(
    `report_id` String,
    `model_name` LowCardinality(String),
    `model_version` UInt32,
    `window_start_ms` Int64,
    `window_end_ms` Int64,
    `window_start` DateTime64(3, 'UTC') MATERIALIZED fromUnixTimestamp64Milli(window_start_ms),
    `window_end` DateTime64(3, 'UTC') MATERIALIZED fromUnixTimestamp64Milli(window_end_ms),
    `revision` UInt32,
    `sample_count` UInt32,
    `labelled_count` UInt32,
    `alert` UInt8,
    `drifted` UInt8,
    `drift_share` Float64,
    `auc` Nullable(Float64),
    `log_loss` Nullable(Float64),
    `predicted_share` Nullable(Float64),
    `observed_share` Nullable(Float64),
    `calibration_gap` Nullable(Float64),
    `reasons` Array(String),
    `drifted_features` Array(String),
    `report` String,
    `created_at_ms` Int64
)
ENGINE = ReplacingMergeTree(revision)
ORDER BY (model_name, model_version, window_start_ms, window_end_ms)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS tributary.drift_training_requests
(
    `request_id` String,
    `model_name` LowCardinality(String),
    `report_id` String,
    `trigger` LowCardinality(String),
    `event_time_ms` Int64,
    `requested_at_ms` Int64
)
ENGINE = ReplacingMergeTree
ORDER BY (model_name, request_id)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS tributary.drift_training_results
(
    `request_id` String,
    `model_name` LowCardinality(String),
    `model_version` UInt32,
    `registered_at_ms` Int64
)
ENGINE = ReplacingMergeTree
ORDER BY (model_name, request_id, model_version)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS tributary.events_raw
(
    `event_id` String,
    `type` LowCardinality(String),
    `entity_id` String,
    `event_time` DateTime64(3, 'UTC'),
    `ingest_time` DateTime64(3, 'UTC'),
    `payload` String COMMENT 'the payload message in the protobuf JSON mapping',
    `source` LowCardinality(String)
)
ENGINE = ReplacingMergeTree(ingest_time)
PARTITION BY toYYYYMM(event_time)
ORDER BY (event_time, event_id)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS tributary.features_airport
(
    `entity_id` String,
    `event_time` DateTime64(3, 'UTC'),
    `version` LowCardinality(String),
    `departures_1h` Float64 DEFAULT nan,
    `out_arrivals_1h` Float64 DEFAULT nan,
    `out_delay_mean_1h` Float64 DEFAULT nan,
    `out_late_share_1h` Float64 DEFAULT nan,
    `out_arrivals_24h` Float64 DEFAULT nan,
    `out_delay_mean_24h` Float64 DEFAULT nan,
    `out_late_share_24h` Float64 DEFAULT nan,
    `in_arrivals_1h` Float64 DEFAULT nan,
    `in_delay_mean_1h` Float64 DEFAULT nan,
    `in_late_share_1h` Float64 DEFAULT nan,
    `in_arrivals_24h` Float64 DEFAULT nan,
    `in_delay_mean_24h` Float64 DEFAULT nan,
    `in_late_share_24h` Float64 DEFAULT nan
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (version, entity_id, event_time)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS tributary.features_route
(
    `entity_id` String,
    `event_time` DateTime64(3, 'UTC'),
    `version` LowCardinality(String),
    `arrivals_7d` Float64 DEFAULT nan,
    `delay_mean_7d` Float64 DEFAULT nan
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (version, entity_id, event_time)
SETTINGS index_granularity = 8192;

CREATE VIEW IF NOT EXISTS tributary.batch_scores
(
    `job_id` String,
    `model_name` LowCardinality(String),
    `model_version` UInt32,
    `event_id` String,
    `probability` Float64,
    `prediction` UInt8,
    `scored_at` DateTime64(3, 'UTC')
)
AS SELECT
    job_id,
    model_name,
    model_version,
    event_id,
    probability,
    prediction,
    scored_at
FROM tributary.batch_score_rows
WHERE job_id IN (
    SELECT job_id
    FROM tributary.batch_score_jobs
    FINAL
    WHERE status = 'complete'
);

-- ingestion: its user is made with DEFAULT ROLE tributary_ingestion
CREATE ROLE IF NOT EXISTS tributary_ingestion;

GRANT SELECT, INSERT, ALTER DELETE ON tributary.events_raw TO tributary_ingestion;

-- feature-pipeline: its user is made with DEFAULT ROLE tributary_feature_pipeline
CREATE ROLE IF NOT EXISTS tributary_feature_pipeline;

GRANT SELECT ON tributary.events_raw TO tributary_feature_pipeline;

GRANT SELECT, INSERT, ALTER DELETE ON tributary.features_airport TO tributary_feature_pipeline;

GRANT SELECT, INSERT, ALTER DELETE ON tributary.features_route TO tributary_feature_pipeline;

-- trainer: its user is made with DEFAULT ROLE tributary_trainer
CREATE ROLE IF NOT EXISTS tributary_trainer;

GRANT SELECT ON tributary.events_raw TO tributary_trainer;

GRANT SELECT ON tributary.features_airport TO tributary_trainer;

GRANT SELECT ON tributary.features_route TO tributary_trainer;

GRANT CREATE TEMPORARY TABLE ON *.* TO tributary_trainer;

GRANT TABLE ENGINE ON Memory TO tributary_trainer;

-- drift-monitor: its user is made with DEFAULT ROLE tributary_drift_monitor
CREATE ROLE IF NOT EXISTS tributary_drift_monitor;

GRANT SELECT, INSERT, ALTER DELETE ON tributary.drift_flights TO tributary_drift_monitor;

GRANT SELECT, INSERT, ALTER DELETE ON tributary.drift_predictions TO tributary_drift_monitor;

GRANT SELECT, INSERT, ALTER DELETE ON tributary.drift_reports TO tributary_drift_monitor;

GRANT SELECT, INSERT, ALTER DELETE ON tributary.drift_training_requests TO tributary_drift_monitor;

GRANT SELECT, INSERT, ALTER DELETE ON tributary.drift_training_results TO tributary_drift_monitor;

-- operator: its user is made with DEFAULT ROLE tributary_operator
CREATE ROLE IF NOT EXISTS tributary_operator;

GRANT SELECT, INSERT, ALTER DELETE ON tributary.batch_score_jobs TO tributary_operator;

GRANT SELECT, INSERT, ALTER DELETE ON tributary.batch_score_rows TO tributary_operator;

GRANT SELECT ON tributary.batch_scores TO tributary_operator;

GRANT SELECT ON tributary.drift_flights TO tributary_operator;

GRANT SELECT ON tributary.drift_predictions TO tributary_operator;

GRANT SELECT ON tributary.drift_reports TO tributary_operator;

GRANT SELECT ON tributary.drift_training_requests TO tributary_operator;

GRANT SELECT ON tributary.drift_training_results TO tributary_operator;

GRANT SELECT ON tributary.events_raw TO tributary_operator;

GRANT SELECT ON tributary.features_airport TO tributary_operator;

GRANT SELECT ON tributary.features_route TO tributary_operator;

GRANT CREATE TEMPORARY TABLE ON *.* TO tributary_operator;

GRANT TABLE ENGINE ON Memory TO tributary_operator;
