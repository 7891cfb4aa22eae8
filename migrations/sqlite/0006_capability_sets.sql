-- dfbench schema 0006: capabilities as sets, matched exactly. A run lists the runtimes its
-- detectors need beyond the built-ins (`torch`, later `onnx`), a worker the ones it has; a
-- worker leases a run's shards only when it has every one. Replaces `runs.needs_torch` and the
-- comma-joined `workers.capabilities` text matched with LIKE.
CREATE TABLE run_requirements (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    capability TEXT NOT NULL,
    PRIMARY KEY (run_id, capability)
) WITHOUT ROWID;
INSERT INTO run_requirements (run_id, capability) SELECT id, 'torch' FROM runs WHERE needs_torch <> 0;
ALTER TABLE runs DROP COLUMN needs_torch;

CREATE TABLE worker_capabilities (
    worker_id TEXT NOT NULL REFERENCES workers(id) ON DELETE CASCADE,
    capability TEXT NOT NULL,
    PRIMARY KEY (worker_id, capability)
) WITHOUT ROWID;
WITH RECURSIVE split(worker_id, capability, rest) AS (
    SELECT id, '', capabilities || ',' FROM workers
    UNION ALL
    SELECT worker_id, substr(rest, 1, instr(rest, ',') - 1), substr(rest, instr(rest, ',') + 1)
    FROM split WHERE rest <> ''
)
INSERT OR IGNORE INTO worker_capabilities (worker_id, capability)
SELECT worker_id, capability FROM split WHERE capability <> '';
ALTER TABLE workers DROP COLUMN capabilities;
