//! Where a leased shard's chunks come from: the scoring pipeline (a benchmark run's shard) or
//! the prepare thread (a prepare run's shard). The pull loop reports either the same way.
//!
//! Must not touch: the network (the pull loop sends the chunks).

use crate::prepare::leased::PrepareShard;
use crate::scoring::{ScoredChunk, ShardScoring};
use dfbench_benchmarks::FailureKind;

pub enum ShardChunks {
    Scoring(ShardScoring),
    Prepare(PrepareShard),
}

impl ShardChunks {
    /// The next chunk; `None` once the shard is done; an error (its kind and message) when the
    /// shard cannot go on on this worker.
    pub async fn next_chunk(&mut self) -> Option<Result<ScoredChunk, (FailureKind, String)>> {
        match self {
            ShardChunks::Scoring(scoring) => scoring.next_chunk().await.map(|chunk| {
                chunk.map_err(|stopped| (FailureKind::WorkerCrash, stopped.to_string()))
            }),
            ShardChunks::Prepare(prepare) => prepare.next_chunk().await,
        }
    }
}
