-- dfbench schema 0010: per-reader frame selection (issue 17). Under `frames = "uniform:N"` a
-- shard holds the union of the frames its image detectors read (N evenly spaced) and its clip
-- detectors read (the first N); a frame only clip detectors read is `clip_only` and owes no
-- per-sample prediction. A shard owes n_samples - n_clip_only predictions per image detector.
-- Rows stored before this migration were read by every detector (the defaults). SQLite keeps
-- the flag as a 0/1 integer (see 0007).
ALTER TABLE samples ADD COLUMN clip_only INTEGER NOT NULL DEFAULT 0;
ALTER TABLE shards ADD COLUMN n_clip_only BIGINT NOT NULL DEFAULT 0;
