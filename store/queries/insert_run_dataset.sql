INSERT INTO run_datasets
  (run_id, name, format, root, fingerprint, samples, exif_orientation, max_pixels)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
