INSERT INTO shards (run_id, dataset, perturbation, state, attempt, failures, max_attempts,
  losses, max_losses, lease_epoch, last_error, n_samples, n_clips, n_clip_only, detectors,
  done_by, device, libtorch, cuda, batch_size)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
  $19, $20)
  RETURNING id
