-- dfbench schema 0014: SQLite's `shard_samples` becomes a WITHOUT ROWID table (one b-tree per
-- row instead of two). PostgreSQL's heap and index are unchanged; this migration keeps the
-- numbering in step with SQLite's.
SELECT 1;
