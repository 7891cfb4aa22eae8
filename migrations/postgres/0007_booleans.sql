-- dfbench schema 0007: flags stored as booleans, not 0/1 integers (SQLite has no boolean
-- storage class: there they stay 0/1, which sqlx reads as bool and TRUE/FALSE compare with).
DROP INDEX runs_reuse_pending;
ALTER TABLE runs ALTER COLUMN partial DROP DEFAULT;
ALTER TABLE runs ALTER COLUMN partial TYPE BOOLEAN USING partial <> 0;
ALTER TABLE runs ALTER COLUMN partial SET DEFAULT FALSE;
ALTER TABLE runs ALTER COLUMN reuse_indexed DROP DEFAULT;
ALTER TABLE runs ALTER COLUMN reuse_indexed TYPE BOOLEAN USING reuse_indexed <> 0;
ALTER TABLE runs ALTER COLUMN reuse_indexed SET DEFAULT FALSE;
CREATE INDEX runs_reuse_pending ON runs (created_at_ms, id) WHERE NOT reuse_indexed;
