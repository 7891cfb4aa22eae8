INSERT INTO metrics (run_id, detector, dataset, perturbation, slice, level,
  metric, value, undefined_reason, n_real, n_fake, ci_low, ci_high, interval_stored)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
