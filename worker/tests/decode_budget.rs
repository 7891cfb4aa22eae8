//! The decoded-memory budget is the worker's to set (`--decode-budget`, issue 20): chunks are cut
//! by the pixels their images' headers declare against half the budget, so the same shard is
//! cut into more chunks under a smaller budget.

use dfbench_benchmarks::image_io::{DecodeOptions, test_files};
use dfbench_benchmarks::perturb::Perturbation;
use dfbench_proto::v1 as pb;
use dfbench_worker::budget::{DEFAULT_DECODE_BUDGET, DecodeBudget};
use dfbench_worker::builtin::builtin_detector;
use dfbench_worker::scoring::{LoadedDetector, ShardInput, ShardScoring};
use std::path::Path;
use std::sync::Arc;

/// The size (predictions) of each chunk the pipeline delivers for `samples` under `budget`
/// (chunks of up to 32 samples).
async fn chunks(dir: &Path, samples: &[pb::SampleRef], budget: DecodeBudget) -> Vec<usize> {
    let detector = builtin_detector("spectral", "spectral").expect("built-in");
    let detectors = Arc::new(vec![LoadedDetector::Ready(Arc::from(detector))]);
    let shard = ShardInput {
        root: dir.to_path_buf(),
        samples: samples.to_vec(),
        clips: Vec::new(),
        perturbation: Perturbation::none(),
        decode: DecodeOptions::default(),
    };
    let mut scoring = ShardScoring::start_shard_within(shard, detectors, 32, budget);
    let mut sizes = Vec::new();
    while let Some(chunk) = scoring.next_chunk().await {
        sizes.push(chunk.expect("the pipeline runs").predictions.len());
    }
    sizes
}

#[tokio::test(flavor = "multi_thread")]
async fn a_smaller_budget_cuts_the_shard_into_more_chunks() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Headers declaring 3000x3000 (9 MP, 27 MB of RGB) over no pixel data: each is refused as
    // truncated at once, but chunks are cut from what the headers declare.
    let samples: Vec<pb::SampleRef> = (0..4)
        .map(|index| {
            let path = format!("{index}.png");
            std::fs::write(
                dir.path().join(&path),
                test_files::header_bomb_png(3000, 3000),
            )
            .expect("write");
            pb::SampleRef {
                sample_id: index + 1,
                path,
                clip_only: false,
            }
        })
        .collect();
    // 64 MiB: 11 MP a chunk, one of these images each.
    let small: DecodeBudget = "64MiB".parse().expect("budget");
    assert_eq!(chunks(dir.path(), &samples, small).await, vec![1; 4]);
    // The default 1 GiB: 178 MP a chunk, all four together.
    assert_eq!(
        chunks(dir.path(), &samples, DEFAULT_DECODE_BUDGET).await,
        vec![4]
    );
}
