SELECT sh.shards_total, sh.shards_done, sh.shards_failed,
    p.predictions, p.failures, p.reused,
    sh.samples * (SELECT COUNT(*) FROM run_detectors WHERE run_id = $1
      AND input = 'image') AS expected,
    c.clips, c.clip_failures, c.clips_reused, sh.clips_expected
  FROM (SELECT COUNT(*) AS shards_total,
          COUNT(CASE WHEN state = 'done' THEN 1 END) AS shards_done,
          COUNT(CASE WHEN state = 'failed' THEN 1 END) AS shards_failed,
          CAST(COALESCE(SUM(n_samples - n_clip_only), 0) AS BIGINT) AS samples,
          CAST(COALESCE(SUM(n_clips), 0) AS BIGINT) AS clips_expected
        FROM shards WHERE run_id = $1) sh,
       (SELECT COUNT(*) AS predictions,
          COUNT(failure_kind) AS failures,
          COUNT(reused_from) AS reused
        FROM predictions WHERE run_id = $1) p,
       (SELECT COUNT(*) AS clips,
          COUNT(failure_kind) AS clip_failures,
          COUNT(reused_from) AS clips_reused
        FROM clip_predictions WHERE run_id = $1) c
