-- dfbench schema 0013: metrics rows keep their 95% interval (issue 21), so the leaderboard site
-- reads stored numbers and never recomputes a report. `ci_low`/`ci_high` are the interval's
-- bounds (NULL where the metric has none); `interval_stored` says the row was written with its
-- interval. Rows stored before say FALSE: their run's metrics are computed again once, on first
-- use, and stored with the intervals.
ALTER TABLE metrics ADD COLUMN ci_low DOUBLE PRECISION;
ALTER TABLE metrics ADD COLUMN ci_high DOUBLE PRECISION;
ALTER TABLE metrics ADD COLUMN interval_stored BOOLEAN NOT NULL DEFAULT FALSE;
