-- Predictions are written only by the store, after the fencing check of the shard's lease and a
-- membership check of every sample against the shard (ingest validation), so the foreign keys
-- on predictions added nothing but a trigger per row: each row looked up its sample and took a
-- KEY SHARE lock on the run's single row, which every concurrent ingest of the run shared (a
-- MultiXact per batch). Runs and samples are never deleted by dfbench.
ALTER TABLE predictions DROP CONSTRAINT IF EXISTS predictions_run_id_fkey;
ALTER TABLE predictions DROP CONSTRAINT IF EXISTS predictions_sample_id_fkey;

-- The work queue. Every lease and completion changes `state`, which the old (state, id) index
-- covered, so each one added an index entry and left a dead one in front of the queue until
-- vacuum; at 20,000 one-sample shards the pick of the first ready shard slowed to milliseconds.
-- Partial indexes hold only the shards in that state: leaving `ready` adds nothing to the queue
-- index, and a shard's move from leased to done adds nothing to either.
DROP INDEX IF EXISTS shards_ready;
CREATE INDEX shards_queue ON shards (id) WHERE state = 'ready';
CREATE INDEX shards_leased ON shards (lease_expires_at_ms) WHERE state = 'leased';
-- "Has this run any open shard?" after every completion. Under (run_id, state) every shard of a
-- run shared one key, stored as posting lists whose dead entries cannot be marked dead one by
-- one, so each check re-read every shard completed since the last vacuum. Unique keys
-- (run_id, id) are marked dead after one visit.
CREATE INDEX shards_open ON shards (run_id, id) WHERE state IN ('ready', 'leased');
-- Room on each page for updated row versions (heap-only updates when no indexed column
-- changes, e.g. lease renewals), and vacuum after 2% of the rows changed instead of 20%.
ALTER TABLE shards SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02,
                        autovacuum_analyze_scale_factor = 0.02);
