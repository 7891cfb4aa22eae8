SELECT name, format, root, fingerprint, samples, exif_orientation, max_pixels FROM run_datasets
  WHERE run_id = $1 ORDER BY name
