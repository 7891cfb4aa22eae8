-- Predictions are written only by the store, after the fencing check of the shard's lease and a
-- membership check of every sample against the shard (ingest validation), so the foreign keys
-- on predictions only cost two index lookups per row (its run, its sample): about a quarter of
-- SQLite's ingest time. Runs and samples are never deleted by dfbench. PostgreSQL dropped the
-- same constraints in its 0004. SQLite cannot drop a constraint, so the table is rebuilt with
-- the same columns, key, check and index, and its rows copied over.
CREATE TABLE predictions_rebuilt (
    run_id TEXT NOT NULL,
    detector TEXT NOT NULL,
    sample_id INTEGER NOT NULL,
    perturbation TEXT NOT NULL,
    score REAL,
    failure_kind TEXT,
    failure_message TEXT,
    detector_fingerprint TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    shard_id INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    latency_us INTEGER NOT NULL,
    reused_from TEXT,
    PRIMARY KEY (run_id, detector, sample_id, perturbation),
    CHECK ((score IS NULL) <> (failure_kind IS NULL))
);
INSERT INTO predictions_rebuilt (run_id, detector, sample_id, perturbation, score, failure_kind,
    failure_message, detector_fingerprint, worker_id, shard_id, epoch, latency_us, reused_from)
SELECT run_id, detector, sample_id, perturbation, score, failure_kind, failure_message,
    detector_fingerprint, worker_id, shard_id, epoch, latency_us, reused_from
FROM predictions;
DROP TABLE predictions;
ALTER TABLE predictions_rebuilt RENAME TO predictions;
CREATE INDEX predictions_shard ON predictions (shard_id);
