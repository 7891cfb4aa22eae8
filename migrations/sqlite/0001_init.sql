-- dfbench schema, SQLite (embedded default). Times are unix milliseconds (INTEGER).
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
    created_at_ms INTEGER NOT NULL,
    -- 1 when a detector of the run needs a worker with the `torch` capability.
    needs_torch INTEGER NOT NULL DEFAULT 0,
    finished_at_ms INTEGER
);

CREATE TABLE run_datasets (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    format TEXT NOT NULL,
    root TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    samples INTEGER NOT NULL,
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
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    dataset TEXT NOT NULL,
    perturbation TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('ready', 'leased', 'done', 'failed', 'cancelled')),
    -- Grants so far (every lease counts).
    attempt INTEGER NOT NULL DEFAULT 0,
    -- Failures reported by workers (deterministic errors), limited by max_attempts.
    failures INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    -- Leases lost to dead or silent workers, limited by max_losses: losing a worker is not
    -- the shard's fault, so it is counted apart (Ballista's count_to_failures).
    losses INTEGER NOT NULL DEFAULT 0,
    max_losses INTEGER NOT NULL,
    lease_owner TEXT,
    lease_incarnation TEXT,
    lease_epoch INTEGER NOT NULL DEFAULT 0,
    lease_expires_at_ms INTEGER,
    not_before_ms INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    n_samples INTEGER NOT NULL
);
CREATE INDEX shards_ready ON shards (state, id);
CREATE INDEX shards_run ON shards (run_id, state);

CREATE TABLE samples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    dataset TEXT NOT NULL,
    subset TEXT NOT NULL,
    rel_path TEXT NOT NULL,
    label INTEGER NOT NULL,
    label_group TEXT NOT NULL,
    method TEXT NOT NULL,
    split TEXT NOT NULL,
    compression TEXT NOT NULL,
    video_key TEXT NOT NULL,
    frame_index INTEGER,
    UNIQUE (run_id, dataset, rel_path)
);

-- Which samples a shard covers; a sample is in one shard per perturbation.
CREATE TABLE shard_samples (
    shard_id INTEGER NOT NULL REFERENCES shards(id) ON DELETE CASCADE,
    sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    PRIMARY KEY (shard_id, sample_id)
);

CREATE TABLE workers (
    id TEXT PRIMARY KEY,
    incarnation TEXT NOT NULL,
    hostname TEXT NOT NULL,
    dfbench_version TEXT NOT NULL,
    capabilities TEXT NOT NULL,
    devices TEXT NOT NULL,
    registered_at_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL
);

CREATE TABLE predictions (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    detector TEXT NOT NULL,
    sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    perturbation TEXT NOT NULL,
    score REAL,
    failure_kind TEXT,
    failure_message TEXT,
    detector_fingerprint TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    shard_id INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    latency_us INTEGER NOT NULL,
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
    value REAL,
    undefined_reason TEXT,
    n_real INTEGER NOT NULL,
    n_fake INTEGER NOT NULL,
    PRIMARY KEY (run_id, detector, dataset, perturbation, slice, level, metric)
);
