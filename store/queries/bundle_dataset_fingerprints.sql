SELECT DISTINCT name, fingerprint FROM run_datasets
