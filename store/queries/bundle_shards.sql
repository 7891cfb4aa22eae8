SELECT id, dataset, perturbation, state, attempt, failures, max_attempts, losses, max_losses,
  lease_epoch, last_error, n_samples, n_clips, n_clip_only, detectors, done_by, device,
  libtorch, cuda, batch_size
  FROM shards WHERE run_id = $1 ORDER BY id
