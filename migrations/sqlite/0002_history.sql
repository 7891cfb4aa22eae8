-- dfbench schema 0002 (issue 7): prediction reuse, run names/tags/partial runs, promotion,
-- shard provenance and per-shard detector subsets.

-- A run planned over a subset of each dataset (`--limit` / `--fraction`): kept out of
-- `latest` and comparisons unless asked. `sampling` says how (e.g. "limit=50 seed=7").
ALTER TABLE runs ADD COLUMN partial INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN sampling TEXT;
-- Set by `dfbench promote`: the newest promoted run is `latest-good`.
ALTER TABLE runs ADD COLUMN promoted_at_ms INTEGER;

CREATE TABLE run_tags (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (run_id, tag)
);
CREATE INDEX run_tags_tag ON run_tags (tag);

-- Workers that must not lease this run's shards: verification runs exclude the workers that
-- produced the original predictions.
CREATE TABLE run_excluded_workers (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    worker_id TEXT NOT NULL,
    PRIMARY KEY (run_id, worker_id)
);

-- Detectors this shard still has to run (JSON array of names); NULL = every detector of the
-- run. Set at planning when some detectors' predictions were reused.
ALTER TABLE shards ADD COLUMN detectors TEXT;
-- Provenance, recorded when the shard completes.
ALTER TABLE shards ADD COLUMN done_by TEXT;
ALTER TABLE shards ADD COLUMN device TEXT;
ALTER TABLE shards ADD COLUMN libtorch TEXT;
ALTER TABLE shards ADD COLUMN cuda TEXT;
ALTER TABLE shards ADD COLUMN batch_size INTEGER;

-- The run a reused prediction was copied from; NULL = computed for this run.
ALTER TABLE predictions ADD COLUMN reused_from TEXT;

-- Reuse lookups: same file path in other runs, then a prediction of that sample by detector
-- fingerprint and perturbation.
CREATE INDEX samples_path ON samples (rel_path);
CREATE INDEX predictions_reuse ON predictions (sample_id, perturbation, detector_fingerprint);
