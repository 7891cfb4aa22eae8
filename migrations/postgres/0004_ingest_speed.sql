-- Predictions are written only by the store, after the fencing check of the shard's lease and a
-- membership check of every sample against the shard (ingest validation), so the foreign keys
-- on predictions added nothing but a trigger per row: each row looked up its sample and took a
-- KEY SHARE lock on the run's single row, which every concurrent ingest of the run shared (a
-- MultiXact per batch). Runs and samples are never deleted by dfbench.
ALTER TABLE predictions DROP CONSTRAINT IF EXISTS predictions_run_id_fkey;
ALTER TABLE predictions DROP CONSTRAINT IF EXISTS predictions_sample_id_fkey;
