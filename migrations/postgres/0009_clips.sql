-- dfbench schema 0009: clip (video) detectors (issue 17). A detector's input kind ('image',
-- 'clip', 'thumbnail'): image detectors owe a prediction per (sample, detector), clip and
-- thumbnail detectors one outcome per planned clip (shard_clips) and none per sample.
ALTER TABLE run_detectors ADD COLUMN input TEXT NOT NULL DEFAULT 'image';
-- Clip outcomes a shard owes (planned failures included); completion compares against it.
ALTER TABLE shards ADD COLUMN n_clips BIGINT NOT NULL DEFAULT 0;

-- The clips a shard's clip and thumbnail detectors score: the frames each reads (sample ids
-- in frame order, space-separated) and the identity of what it reads (content_key, '' when a
-- frame's content is unknown). video_sample: the video's first sample, whose labels the clip
-- outcome carries.
CREATE TABLE shard_clips (
    shard_id BIGINT NOT NULL,
    detector TEXT NOT NULL,
    video_key TEXT NOT NULL,
    clip_index BIGINT NOT NULL,
    sample_ids TEXT NOT NULL,
    first_frame BIGINT NOT NULL,
    last_frame BIGINT NOT NULL,
    content_key TEXT NOT NULL,
    video_sample BIGINT NOT NULL,
    PRIMARY KEY (shard_id, detector, video_key, clip_index)
);

-- One outcome per clip: a score or a typed failure. Written only by the store (fenced like
-- predictions), so no foreign keys (see 0004). reused_from: the run that computed it.
CREATE TABLE clip_predictions (
    run_id TEXT NOT NULL,
    shard_id BIGINT NOT NULL,
    detector TEXT NOT NULL,
    video_key TEXT NOT NULL,
    clip_index BIGINT NOT NULL,
    perturbation TEXT NOT NULL,
    first_frame BIGINT NOT NULL,
    last_frame BIGINT NOT NULL,
    score DOUBLE PRECISION,
    failure_kind TEXT,
    failure_message TEXT,
    detector_fingerprint TEXT NOT NULL,
    content_key TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    latency_us BIGINT NOT NULL,
    reused_from TEXT,
    PRIMARY KEY (shard_id, detector, video_key, clip_index),
    CHECK ((score IS NULL) <> (failure_kind IS NULL))
);
CREATE INDEX clip_predictions_run ON clip_predictions (run_id);
CREATE INDEX clip_predictions_reuse ON clip_predictions (detector_fingerprint, perturbation, content_key);
