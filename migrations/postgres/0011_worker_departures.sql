-- dfbench schema 0011: workers that leave (issue 27). A worker that exits (stopped, Ctrl-C)
-- tells the coordinator, which records when in `left_at_ms`; such a worker is shown as `left`
-- and never counted alive. Registering again (a new incarnation) clears it. NULL: registered
-- and not known to have left (rows stored before this migration).
ALTER TABLE workers ADD COLUMN left_at_ms BIGINT;
