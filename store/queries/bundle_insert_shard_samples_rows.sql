INSERT INTO shard_samples (shard_id, sample_id, needed) VALUES {}
