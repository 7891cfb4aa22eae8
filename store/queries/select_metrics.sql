SELECT detector, dataset, perturbation, slice, level, metric, value,
  undefined_reason, n_real, n_fake, ci_low, ci_high, interval_stored
  FROM metrics WHERE run_id = $1
