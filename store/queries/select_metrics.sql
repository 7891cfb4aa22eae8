SELECT detector, dataset, perturbation, slice, level, metric, value,
  undefined_reason, n_real, n_fake FROM metrics WHERE run_id = $1
