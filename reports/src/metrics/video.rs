//! Video-level aggregation: one score per video = the mean of its frames' scores.
//!
//! The key is `PredictionRecord::video_key` (`dataset/label_group/method/compression/video`),
//! which is collision-free, unlike DeepfakeBench's parent-folder key (REFERENCE §2.2). The video
//! label follows DeepfakeBench, `int(mean(frame labels))`: fake only when every frame is fake.
//! Frame scores are summed in sorted order, so the mean does not depend on input order.

use std::collections::BTreeMap;

/// One video: its key, mean frame score, label and number of scored frames.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoScore<K> {
    pub key: K,
    pub score: f64,
    pub fake: bool,
    pub frames: u32,
}

/// Aggregates `(key, score, fake)` frames into videos, sorted by key. Non-finite scores must
/// have been filtered out by the caller (they are failures, not scores).
pub fn video_scores<K: Ord + Clone>(
    frames: impl IntoIterator<Item = (K, f64, bool)>,
) -> Vec<VideoScore<K>> {
    let mut by_key: BTreeMap<K, (Vec<f64>, bool)> = BTreeMap::new();
    for (key, score, fake) in frames {
        let entry = by_key.entry(key).or_insert_with(|| (Vec::new(), true));
        entry.0.push(score);
        entry.1 &= fake;
    }
    by_key
        .into_iter()
        .map(|(key, (mut scores, fake))| {
            scores.sort_by(f64::total_cmp);
            let score = scores.iter().sum::<f64>() / scores.len() as f64;
            VideoScore {
                key,
                score,
                fake,
                frames: scores.len() as u32,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_per_key_and_mixed_label_is_real() {
        let frames = [
            ("b", 0.2, true),
            ("a", 0.9, true),
            ("b", 0.4, true),
            ("c", 0.3, false),
            ("c", 0.7, true),
        ];
        let v = video_scores(frames);
        assert_eq!(v.len(), 3);
        assert_eq!(
            (v[0].key, v[0].score, v[0].fake, v[0].frames),
            ("a", 0.9, true, 1)
        );
        assert!((v[1].score - 0.3).abs() < 1e-15 && v[1].fake && v[1].frames == 2);
        assert!(
            !v[2].fake,
            "mixed labels give real, as int(mean) in DeepfakeBench"
        );
    }
}
