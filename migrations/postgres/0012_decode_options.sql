-- dfbench schema 0012: how a run's datasets are decoded (issue 20). `exif_orientation` is
-- `apply` or `ignore` (the EXIF Orientation tag), `max_pixels` the decode limit; both travel to
-- workers with each lease. Runs stored before decoded every dataset with the tag ignored and
-- a 64-megapixel limit, which the defaults record.
ALTER TABLE run_datasets ADD COLUMN exif_orientation TEXT NOT NULL DEFAULT 'ignore';
ALTER TABLE run_datasets ADD COLUMN max_pixels BIGINT NOT NULL DEFAULT 64000000;
