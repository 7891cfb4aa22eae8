-- dfbench schema 0008: the number of capabilities a run requires, kept on the run so the lease
-- query skips the requirement check for the usual run that needs none (an int comparison
-- instead of an anti-join per candidate shard, on the hot path).
ALTER TABLE runs ADD COLUMN requirement_count BIGINT NOT NULL DEFAULT 0;
UPDATE runs SET requirement_count = (SELECT COUNT(*) FROM run_requirements q WHERE q.run_id = runs.id);
