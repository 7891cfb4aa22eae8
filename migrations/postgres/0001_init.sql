-- dfbench schema, PostgreSQL. Times are unix milliseconds (BIGINT).
CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    suite_name TEXT NOT NULL,
    suite_toml TEXT NOT NULL,
    suite_hash TEXT NOT NULL,
    data_root TEXT NOT NULL,
    dfbench_version TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
    error TEXT,
    created_at_ms BIGINT NOT NULL,
    -- 1 when a detector of the run needs a worker with the `torch` capability.
    needs_torch BIGINT NOT NULL DEFAULT 0,
    finished_at_ms BIGINT
);

CREATE TABLE run_datasets (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    format TEXT NOT NULL,
    root TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    samples BIGINT NOT NULL,
    PRIMARY KEY (run_id, name)
);

CREATE TABLE run_detectors (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    builtin TEXT NOT NULL,
    -- Resolved detector card (TOML) of a torchscript detector.
    card TEXT,
    fingerprint TEXT,
    PRIMARY KEY (run_id, name)
);

CREATE TABLE shards (
    id BIGSERIAL PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    dataset TEXT NOT NULL,
    perturbation TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('ready', 'leased', 'done', 'failed', 'cancelled')),
    -- Grants so far (every lease counts).
    attempt BIGINT NOT NULL DEFAULT 0,
    -- Failures reported by workers (deterministic errors), limited by max_attempts.
    failures BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    -- Leases lost to dead or silent workers, limited by max_losses: losing a worker is not
    -- the shard's fault, so it is counted apart (Ballista's count_to_failures).
    losses BIGINT NOT NULL DEFAULT 0,
    max_losses BIGINT NOT NULL,
    lease_owner TEXT,
    lease_incarnation TEXT,
    lease_epoch BIGINT NOT NULL DEFAULT 0,
    lease_expires_at_ms BIGINT,
    not_before_ms BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    n_samples BIGINT NOT NULL
);
CREATE INDEX shards_ready ON shards (state, id);
CREATE INDEX shards_run ON shards (run_id, state);

CREATE TABLE samples (
    id BIGSERIAL PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    dataset TEXT NOT NULL,
    subset TEXT NOT NULL,
    rel_path TEXT NOT NULL,
    label BIGINT NOT NULL,
    label_group TEXT NOT NULL,
    method TEXT NOT NULL,
    split TEXT NOT NULL,
    compression TEXT NOT NULL,
    video_key TEXT NOT NULL,
    frame_index BIGINT,
    UNIQUE (run_id, dataset, rel_path)
);

-- Which samples a shard covers; a sample is in one shard per perturbation.
CREATE TABLE shard_samples (
    shard_id BIGINT NOT NULL REFERENCES shards(id) ON DELETE CASCADE,
    sample_id BIGINT NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    PRIMARY KEY (shard_id, sample_id)
);

CREATE TABLE workers (
    id TEXT PRIMARY KEY,
    incarnation TEXT NOT NULL,
    hostname TEXT NOT NULL,
    dfbench_version TEXT NOT NULL,
    capabilities TEXT NOT NULL,
    devices TEXT NOT NULL,
    registered_at_ms BIGINT NOT NULL,
    last_seen_ms BIGINT NOT NULL
);

CREATE TABLE predictions (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    detector TEXT NOT NULL,
    sample_id BIGINT NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    perturbation TEXT NOT NULL,
    score DOUBLE PRECISION,
    failure_kind TEXT,
    failure_message TEXT,
    detector_fingerprint TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    shard_id BIGINT NOT NULL,
    epoch BIGINT NOT NULL,
    latency_us BIGINT NOT NULL,
    PRIMARY KEY (run_id, detector, sample_id, perturbation),
    CHECK ((score IS NULL) <> (failure_kind IS NULL))
);
CREATE INDEX predictions_shard ON predictions (shard_id);

CREATE TABLE metrics (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    detector TEXT NOT NULL,
    dataset TEXT NOT NULL,
    perturbation TEXT NOT NULL,
    slice TEXT NOT NULL,
    level TEXT NOT NULL,
    metric TEXT NOT NULL,
    value DOUBLE PRECISION,
    undefined_reason TEXT,
    n_real BIGINT NOT NULL,
    n_fake BIGINT NOT NULL,
    PRIMARY KEY (run_id, detector, dataset, perturbation, slice, level, metric)
);
