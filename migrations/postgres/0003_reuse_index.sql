-- dfbench schema 0003, PostgreSQL (issue 7): the reuse index. One row per reusable fact — a prediction
-- keyed by (detector fingerprint, dataset fingerprint, sample path, perturbation) — so a new
-- run finds what it can reuse with one primary-key probe per (sample, detector, perturbation)
-- instead of joining every earlier run's samples. Filled in bulk per run once the run has
-- ended (store/src/reuse.rs); the first fact stored for a key wins.
CREATE TABLE reuse_index (
    detector_fingerprint TEXT NOT NULL,
    dataset_fingerprint TEXT NOT NULL,
    rel_path TEXT NOT NULL,
    perturbation TEXT NOT NULL,
    score DOUBLE PRECISION,
    failure_kind TEXT,
    failure_message TEXT,
    worker_id TEXT NOT NULL,
    latency_us BIGINT NOT NULL,
    -- The run that computed the prediction (copied into `predictions.reused_from`).
    source_run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    PRIMARY KEY (dataset_fingerprint, rel_path, perturbation, detector_fingerprint),
    CHECK ((score IS NULL) <> (failure_kind IS NULL))
);

-- 1 once the run's own predictions are in `reuse_index`. Existing runs start at 0: the next
-- planning indexes them.
ALTER TABLE runs ADD COLUMN reuse_indexed BIGINT NOT NULL DEFAULT 0;
CREATE INDEX runs_reuse_pending ON runs (created_at_ms, id) WHERE reuse_indexed = 0;

-- One row, locked by whoever indexes runs, so concurrent plannings (PostgreSQL) index one
-- after the other: two transactions inserting the same keys in different orders could deadlock.
CREATE TABLE reuse_index_lock (
    id BIGINT PRIMARY KEY CHECK (id = 1)
);
INSERT INTO reuse_index_lock (id) VALUES (1);

-- The lookups the reuse index replaces (0002): they only cost time on every sample and
-- prediction insert now.
DROP INDEX samples_path;
DROP INDEX predictions_reuse;
