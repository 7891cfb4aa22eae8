-- dfbench schema 0007: flags stored as booleans. SQLite has no boolean storage class: `partial`
-- and `reuse_indexed` stay 0/1 integers, which sqlx reads as bool and which compare equal to
-- TRUE/FALSE; this migration only keeps the numbering in step with PostgreSQL's 0007, which
-- changes the column types.
SELECT 1;
