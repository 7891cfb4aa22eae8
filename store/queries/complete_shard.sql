UPDATE shards SET state = 'done', lease_expires_at_ms = NULL,
    done_by = COALESCE($5, done_by), device = COALESCE($6, device),
    libtorch = COALESCE($7, libtorch), cuda = COALESCE($8, cuda),
    batch_size = COALESCE($9, batch_size)
  WHERE id = $1 AND lease_epoch = $2 AND state = 'leased' AND lease_owner = $3
    AND lease_incarnation = $4
    AND (SELECT COUNT(*) FROM predictions WHERE shard_id = $1)
      >= (n_samples - n_clip_only) * (SELECT COUNT(*) FROM run_detectors d WHERE d.run_id = shards.run_id
        AND d.input = 'image')
    AND (n_clips = 0 OR (SELECT COUNT(*) FROM clip_predictions WHERE shard_id = $1) >= n_clips)
  RETURNING run_id
