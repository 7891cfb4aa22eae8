-- dfbench schema 0014: `shard_samples` clustered on its key. Since 0005 each row also carries
-- `needed`, which the lease's sample list filters on; as a rowid table every row lived in two
-- b-trees (the table and its primary key's index) and planning wrote both. As a WITHOUT ROWID
-- table the row is the key's own b-tree entry: one write per planned row, and the lease reads
-- `needed` where it finds the key. Same columns, same rows, same constraints.
CREATE TABLE shard_samples_clustered (
    shard_id INTEGER NOT NULL REFERENCES shards(id) ON DELETE CASCADE,
    sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    needed INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (shard_id, sample_id)
) WITHOUT ROWID;
INSERT INTO shard_samples_clustered (shard_id, sample_id, needed)
    SELECT shard_id, sample_id, needed FROM shard_samples;
DROP TABLE shard_samples;
ALTER TABLE shard_samples_clustered RENAME TO shard_samples;
