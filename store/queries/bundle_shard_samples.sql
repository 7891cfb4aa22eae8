SELECT m.shard_id, m.sample_id, m.needed
  FROM shard_samples m JOIN shards s ON s.id = m.shard_id WHERE s.run_id = $1
