//! What each split of DF40 is in the release (REFERENCE §1.8, §3.2), so the `df40` folders read
//! exactly what DF40's own JSONs list:
//!
//! - `test`: fakes from `DF40/`, FF++ reals of `test.json`, Celeb-DF-v2 reals of its test list.
//! - `val`: the same data as `test` (DF40's val split *is* its test split, DF40#14); samples are
//!   labelled `val`, as the JSONs' `val` entries are.
//! - `train`: FF domain only: fakes from `DF40_train/`, FF++ reals of `train.json`. The cdf
//!   domain and the unknown sets are test-only, so they have no train split: an error.

use crate::adapter::AdapterError;
use crate::suite::DatasetSpec;

/// Sets the DF40 paper names whose data the release does not contain (REFERENCE §1.8).
pub const NOT_IN_RELEASE: &[&str] = &["deepfacelab"];

/// The trees one set reads for the suite's split.
pub(super) struct Release {
    /// The tree holding the fakes: `DF40` or `DF40_train`.
    pub fakes: &'static str,
    /// The FF++ pair list of the reals: `test` or `train`.
    pub ffpp_pairs: &'static str,
}

/// The trees `set` (of `domain`, `None` for an unknown set) reads for `spec`'s split.
pub(super) fn release_for(
    spec: &DatasetSpec,
    dataset: &str,
    set: &str,
    domain: Option<&str>,
) -> Result<Release, AdapterError> {
    let split = spec.split_name();
    let no_split = |reason: &str| AdapterError::NoSuchSplit {
        dataset: dataset.to_string(),
        set: set.to_string(),
        split: split.to_string(),
        reason: reason.to_string(),
    };
    match (split, domain) {
        ("test" | "val", _) => Ok(Release {
            fakes: "DF40",
            ffpp_pairs: "test",
        }),
        ("train", Some("ff")) => Ok(Release {
            fakes: "DF40_train",
            ffpp_pairs: "train",
        }),
        ("train", Some(_)) => Err(no_split(
            "the cdf domain is test-only in DF40 (REFERENCE §1.8: DF40_train/ holds FF-domain fakes only); use split = \"test\" for this set, or train on its `_ff` counterpart",
        )),
        ("train", None) => Err(no_split(
            "DF40's unknown-method sets are test sets of protocol 3 with no training data (REFERENCE §3.2); use split = \"test\"",
        )),
        _ => Err(no_split(
            "DF40 has the splits train (DF40_train/), val and test (val is test); set split to one of them",
        )),
    }
}

/// What `datasets check` says about the split: val reads the test data.
pub fn split_notes(spec: &DatasetSpec) -> Vec<String> {
    if spec.split_name() != "val" {
        return Vec::new();
    }
    vec![format!(
        "dataset `{}`: split `val` reads DF40's test data, because DF40's val split is its test split (REFERENCE §3.2, DF40#14): fakes from DF40/, FF++ reals of test.json, Celeb-DF-v2 reals of List_of_testing_videos.txt; samples are labelled `val`",
        spec.name
    )]
}
