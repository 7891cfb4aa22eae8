-- dfbench schema 0013: metrics rows keep their 95% interval (issue 21), so the leaderboard site
-- reads stored numbers and never recomputes a report. `ci_low`/`ci_high` are the interval's
-- bounds (NULL where the metric has none); `interval_stored` says the row was written with its
-- interval. Rows stored before say FALSE: their run's metrics are computed again once, on first
-- use, and stored with the intervals. SQLite has no boolean storage class: 0/1.
ALTER TABLE metrics ADD COLUMN ci_low REAL;
ALTER TABLE metrics ADD COLUMN ci_high REAL;
ALTER TABLE metrics ADD COLUMN interval_stored INTEGER NOT NULL DEFAULT 0;
