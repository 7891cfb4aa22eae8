SELECT
  (SELECT n_samples - n_clip_only FROM shards WHERE id = $1)
  * (SELECT COUNT(*) FROM run_detectors WHERE run_id = $2 AND input = 'image')
  - (SELECT COUNT(*) FROM predictions WHERE shard_id = $1),
  (SELECT n_clips FROM shards WHERE id = $1)
  - (SELECT COUNT(*) FROM clip_predictions WHERE shard_id = $1)
