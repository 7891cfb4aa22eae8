INSERT INTO shards (run_id, dataset, perturbation, state, max_attempts,
  max_losses, n_samples, n_clips, n_clip_only) VALUES {}
  RETURNING id, dataset, perturbation, n_samples
