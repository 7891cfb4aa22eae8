//! Partial runs (`--limit N` / `--fraction f`): a deterministic, label-stratified sample of
//! each dataset. Each sample's rank is a hash of (seed, path), so the same seed picks the same
//! files on every run and machine, and a file's selection does not depend on the order the
//! adapter listed it in. Each label gets its share of the target by the largest-remainder
//! method, so the label proportions of the sample match the dataset's to within one sample.

use dfbench_benchmarks::Sample;

/// How a partial run samples each dataset. `limit` and `fraction` exclude each other.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Sampling {
    pub limit: Option<usize>,
    pub fraction: Option<f64>,
    pub seed: u64,
}

impl Sampling {
    /// None when the run covers everything; else a description stored with the run.
    pub fn describe(&self) -> Option<String> {
        match (self.limit, self.fraction) {
            (Some(limit), _) => Some(format!("limit={limit} seed={}", self.seed)),
            (None, Some(fraction)) => Some(format!("fraction={fraction} seed={}", self.seed)),
            (None, None) => None,
        }
    }

    /// Every problem with the options, for the submit error.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.limit.is_some() && self.fraction.is_some() {
            problems.push("--limit and --fraction exclude each other: give one".to_string());
        }
        if self.limit == Some(0) {
            problems.push("--limit must be at least 1".to_string());
        }
        if let Some(fraction) = self.fraction
            && !(fraction > 0.0 && fraction <= 1.0)
        {
            problems.push(format!("--fraction {fraction} must be in (0, 1]"));
        }
        problems
    }

    /// How many of `total` samples to keep.
    fn target(&self, total: usize) -> usize {
        match (self.limit, self.fraction) {
            (Some(limit), _) => limit.min(total),
            (None, Some(fraction)) => ((total as f64 * fraction).round() as usize).clamp(1, total),
            (None, None) => total,
        }
    }

    /// Indices (ascending) of the samples to keep. With `whole_videos` (the run has a clip
    /// detector, which must read a video's consecutive frames) the unit of sampling is the
    /// video: videos are taken whole, in rank order of their key, per label, while their frames
    /// fit the label's share (at least one video per label with a share), so a clip of a partial
    /// run reads the same frames as in a full run.
    pub fn select(&self, samples: &[Sample], whole_videos: bool) -> Vec<usize> {
        let target = self.target(samples.len());
        if target >= samples.len() {
            return (0..samples.len()).collect();
        }
        if whole_videos {
            return self.select_videos(samples, target);
        }
        let mut by_label: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
        for (index, sample) in samples.iter().enumerate() {
            by_label[sample.label.as_i64() as usize].push(index);
        }
        let shares = largest_remainder(
            target,
            &[by_label[0].len(), by_label[1].len()],
            samples.len(),
        );
        let mut kept = Vec::with_capacity(target);
        for (indices, share) in by_label.iter_mut().zip(shares) {
            indices.sort_by_key(|index| (rank(self.seed, &samples[*index].rel_path), *index));
            kept.extend_from_slice(&indices[..share]);
        }
        kept.sort_unstable();
        kept
    }
}

impl Sampling {
    fn select_videos(&self, samples: &[Sample], target: usize) -> Vec<usize> {
        let mut videos: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
        for (index, sample) in samples.iter().enumerate() {
            videos
                .entry(sample.video_key.as_str())
                .or_default()
                .push(index);
        }
        // A video's label: fake only when every frame is (as the video level counts it).
        let mut by_label: [Vec<(&str, Vec<usize>)>; 2] = [Vec::new(), Vec::new()];
        for (key, members) in videos {
            let fake = members.iter().all(|i| samples[*i].label.is_fake());
            by_label[usize::from(fake)].push((key, members));
        }
        let frames = |group: &[(&str, Vec<usize>)]| group.iter().map(|(_, m)| m.len()).sum();
        let shares = largest_remainder(
            target,
            &[frames(&by_label[0]), frames(&by_label[1])],
            samples.len(),
        );
        let mut kept = Vec::with_capacity(target);
        for (group, share) in by_label.iter_mut().zip(shares) {
            group.sort_by_key(|(key, _)| (rank(self.seed, key), *key));
            let mut taken = 0;
            for (_, members) in group.iter() {
                if share == 0 || (taken > 0 && taken + members.len() > share) {
                    break;
                }
                taken += members.len();
                kept.extend_from_slice(members);
            }
        }
        kept.sort_unstable();
        kept
    }
}

/// Splits `target` over groups of the given sizes in proportion, by the largest remainder.
fn largest_remainder(target: usize, sizes: &[usize], total: usize) -> Vec<usize> {
    let exact: Vec<f64> = sizes
        .iter()
        .map(|size| target as f64 * *size as f64 / total.max(1) as f64)
        .collect();
    let mut shares: Vec<usize> = exact.iter().map(|share| share.floor() as usize).collect();
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by(|a, b| {
        (exact[*b] - exact[*b].floor()).total_cmp(&(exact[*a] - exact[*a].floor()))
    });
    let mut left = target - shares.iter().sum::<usize>();
    for group in order {
        if left == 0 {
            break;
        }
        if shares[group] < sizes[group] {
            shares[group] += 1;
            left -= 1;
        }
    }
    shares
}

/// A stable 64-bit rank of `path` under `seed` (FNV-1a, then a splitmix64 finaliser).
fn rank(seed: u64, path: &str) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64 ^ seed;
    for byte in path.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash ^= hash >> 30;
    hash = hash.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash ^= hash >> 27;
    hash = hash.wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dfbench_benchmarks::Label;

    fn samples(real: usize, fake: usize) -> Vec<Sample> {
        (0..real + fake)
            .map(|index| Sample {
                dataset: "d".into(),
                subset: "s".into(),
                rel_path: format!("x/{index:04}.png"),
                label: if index < real {
                    Label::Real
                } else {
                    Label::Fake
                },
                label_group: "g".into(),
                method: "m".into(),
                split: "test".into(),
                compression: "raw".into(),
                video_key: format!("v{index}"),
                frame_index: None,
                reads: dfbench_benchmarks::FrameReads::Both,
                published_md5: None,
            })
            .collect()
    }

    fn label_counts(samples: &[Sample], kept: &[usize]) -> (usize, usize) {
        let fake = kept
            .iter()
            .filter(|index| samples[**index].label == Label::Fake)
            .count();
        (kept.len() - fake, fake)
    }

    #[test]
    fn a_fraction_keeps_the_label_proportions_and_is_seeded() {
        let all = samples(300, 100);
        let sampling = Sampling {
            fraction: Some(0.1),
            seed: 7,
            ..Default::default()
        };
        let kept = sampling.select(&all, false);
        assert_eq!(label_counts(&all, &kept), (30, 10));
        assert_eq!(kept, sampling.select(&all, false), "same seed, same sample");
        let other = Sampling {
            seed: 8,
            ..sampling
        }
        .select(&all, false);
        assert_ne!(kept, other, "another seed picks other files");
        assert_eq!(label_counts(&all, &other), (30, 10));
    }

    #[test]
    fn with_clip_detectors_whole_videos_are_sampled() {
        let mut all = samples(40, 40);
        for (index, sample) in all.iter_mut().enumerate() {
            sample.video_key = format!("v{}", index / 4);
        }
        let sampling = Sampling {
            fraction: Some(0.25),
            seed: 3,
            ..Default::default()
        };
        let kept = sampling.select(&all, true);
        assert_eq!(
            label_counts(&all, &kept),
            (8, 8),
            "two videos of 4 frames per label"
        );
        let mut per_video: std::collections::BTreeMap<&str, usize> = Default::default();
        for index in &kept {
            *per_video.entry(all[*index].video_key.as_str()).or_default() += 1;
        }
        assert!(
            per_video.values().all(|frames| *frames == 4),
            "{per_video:?}"
        );
        assert_eq!(kept, sampling.select(&all, true), "seeded");
        let tiny = Sampling {
            limit: Some(1),
            ..Default::default()
        };
        let one = tiny.select(&all, true);
        assert_eq!(
            one.len(),
            4,
            "a share below one video still takes one whole video"
        );
    }

    #[test]
    fn a_limit_splits_by_largest_remainder_and_never_exceeds_the_dataset() {
        let all = samples(2, 5);
        let limit = |limit| Sampling {
            limit: Some(limit),
            ..Default::default()
        };
        // 3 × 2/7 = 0.86 and 3 × 5/7 = 2.14: the real label gets the remainder.
        assert_eq!(label_counts(&all, &limit(3).select(&all, false)), (1, 2));
        assert_eq!(limit(100).select(&all, false).len(), 7);
        assert_eq!(limit(3).describe().as_deref(), Some("limit=3 seed=0"));
        assert_eq!(Sampling::default().describe(), None);
        assert!(
            Sampling {
                fraction: Some(1.5),
                ..Default::default()
            }
            .problems()
            .len()
                == 1
        );
        assert!(
            Sampling {
                limit: Some(2),
                fraction: Some(0.5),
                seed: 0
            }
            .problems()
            .len()
                == 1
        );
    }
}
