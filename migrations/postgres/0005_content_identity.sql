-- dfbench schema 0005: content identity. A sample's file is known by the BLAKE3 hash of its
-- bytes, and predictions are reused only for the same bytes: an image edited in place at the
-- same size no longer reuses its stale scores, and a touch or a re-copy (same bytes, new mtime)
-- still reuses them.

-- Each planned sample records the file as it was when the run was planned: size, mtime and
-- content hash ('' for a file that was missing, or for runs planned before this migration).
ALTER TABLE samples ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE samples ADD COLUMN file_size BIGINT;
ALTER TABLE samples ADD COLUMN file_mtime_ns BIGINT;

-- A sample of a partly reused shard whose every prediction was reused is not needed: the
-- lease leaves it out, so an edited file costs the model work of that file alone.
ALTER TABLE shard_samples ADD COLUMN needed BOOLEAN NOT NULL DEFAULT TRUE;

-- The last hash seen per file (absolute path): planning re-reads a file only when its size or
-- mtime differ from these (or with --hash-contents).
CREATE TABLE file_contents (
    path TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    mtime_ns BIGINT NOT NULL,
    content_hash TEXT NOT NULL
);

-- The reuse index is keyed on the content hash too. Facts indexed before this migration carry
-- no hash, so the index is rebuilt from scratch: every run is indexed again at the next
-- planning (runs planned before 0005 have no hashes and so give no reusable facts; their
-- predictions are computed once more by the next run).
DROP TABLE reuse_index;
CREATE TABLE reuse_index (
    detector_fingerprint TEXT NOT NULL,
    dataset_fingerprint TEXT NOT NULL,
    rel_path TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    perturbation TEXT NOT NULL,
    score DOUBLE PRECISION,
    failure_kind TEXT,
    failure_message TEXT,
    worker_id TEXT NOT NULL,
    latency_us BIGINT NOT NULL,
    -- The run that computed the prediction (copied into `predictions.reused_from`).
    source_run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    PRIMARY KEY (dataset_fingerprint, rel_path, content_hash, perturbation, detector_fingerprint),
    CHECK ((score IS NULL) <> (failure_kind IS NULL))
);
UPDATE runs SET reuse_indexed = 0;
