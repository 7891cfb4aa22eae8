//! DF40's own JSONs for the synth release, shaped as DF40 ships them (REFERENCE §1.8): one per
//! test name (`<method>_ff`, `<method>_cdf`, `<CAT>All_ff`, `<CAT>All_cdf`, the unknown sets), the
//! DeepfakeBench schema without a compression level, label names `<prefix>_Fake` /
//! `<prefix>_Real`. Category unions keep each method's `<method>_Fake` group beside one
//! `<CAT>All_Real`. ff sets list `train` (DF40_train/ fakes, FF++ train reals) and `val` =
//! `test` (DF40/ fakes, FF++ test reals); cdf sets and the unknown sets are test-only (`val` =
//! `test`, Celeb-DF-v2 test-list or their own reals). Written from what the layout wrote, never
//! from an adapter, so the `df40` folder reading and these JSONs check each other.

use super::cross::CELEB_DF_V2_TEST_REALS;
use super::df40::{Entry, KnownFakes, UnknownSet};
use super::ffpp::PAIRS;
use super::{FRAMES, video_entry, write_json};
use crate::adapter::df40::CATEGORIES;
use crate::synth::SynthError;
use serde_json::{Map, Value};
use std::path::Path;

/// One label group: split → its entries.
type Group<'a> = Vec<(&'static str, &'a [Entry])>;

fn group(label: &str, splits: &Group<'_>) -> Value {
    let mut by_split = Map::new();
    for (split, entries) in splits {
        let mut videos = Map::new();
        for (name, frames) in *entries {
            videos.insert(name.clone(), video_entry(label, frames));
        }
        by_split.insert(split.to_string(), Value::Object(videos));
    }
    Value::Object(by_split)
}

/// FF++ c23 real videos of the `split` pair list.
fn ffpp_reals(split: &str) -> Vec<Entry> {
    let pairs = PAIRS
        .iter()
        .filter(|(name, _)| *name == split)
        .flat_map(|(_, pairs)| pairs.iter());
    let mut ids: Vec<&str> = pairs.flat_map(|(a, b)| [*a, *b]).collect();
    ids.sort_unstable();
    ids.into_iter()
        .map(|id| {
            let frames = FRAMES
                .iter()
                .map(|f| {
                    format!("FaceForensics++/original_sequences/youtube/c23/frames/{id}/{f}.png")
                })
                .collect();
            (id.to_string(), frames)
        })
        .collect()
}

/// Celeb-DF-v2 real videos of `List_of_testing_videos.txt`.
fn celeb_df_reals() -> Vec<Entry> {
    CELEB_DF_V2_TEST_REALS
        .iter()
        .map(|(folder, video)| {
            let frames = FRAMES
                .iter()
                .map(|f| format!("Celeb-DF-v2/{folder}/frames/{video}/{f}.png"))
                .collect();
            (video.to_string(), frames)
        })
        .collect()
}

/// The JSON of known-method set `name` in `domain` over `methods`, reals labelled `real_label`.
fn known_set(
    dir: &Path,
    name: &str,
    real_label: &str,
    methods: &[&KnownFakes],
    domain: &str,
) -> Result<(), SynthError> {
    let mut groups = Map::new();
    for fakes in methods {
        let label = format!("{}_Fake", fakes.method);
        let splits: Group<'_> = if domain == "ff" {
            vec![
                ("train", &fakes.train_ff),
                ("val", &fakes.test_ff),
                ("test", &fakes.test_ff),
            ]
        } else {
            vec![("val", &fakes.test_cdf), ("test", &fakes.test_cdf)]
        };
        groups.insert(label.clone(), group(&label, &splits));
    }
    let (train, test) = (ffpp_reals("train"), ffpp_reals("test"));
    let cdf = celeb_df_reals();
    let reals: Group<'_> = if domain == "ff" {
        vec![("train", &train), ("val", &test), ("test", &test)]
    } else {
        vec![("val", &cdf), ("test", &cdf)]
    };
    groups.insert(real_label.to_string(), group(real_label, &reals));
    let mut top = Map::new();
    top.insert(name.to_string(), Value::Object(groups));
    write_json(dir, name, &Value::Object(top))
}

pub(super) fn write(
    dir: &Path,
    known: &[KnownFakes],
    unknown: &[UnknownSet],
) -> Result<(), SynthError> {
    for domain in ["ff", "cdf"] {
        for fakes in known {
            let name = format!("{}_{domain}", fakes.method);
            let real = format!("{}_Real", fakes.method);
            known_set(dir, &name, &real, &[fakes], domain)?;
        }
        for category in CATEGORIES {
            let members: Vec<&KnownFakes> =
                known.iter().filter(|k| k.category == *category).collect();
            let name = format!("{category}All_{domain}");
            known_set(dir, &name, &format!("{category}All_Real"), &members, domain)?;
        }
    }
    for set in unknown {
        let mut groups = Map::new();
        for (suffix, entries) in [("Fake", &set.fakes), ("Real", &set.reals)] {
            let label = format!("{}_{suffix}", set.set);
            groups.insert(
                label.clone(),
                group(&label, &vec![("val", entries), ("test", entries)]),
            );
        }
        let mut top = Map::new();
        top.insert(set.set.to_string(), Value::Object(groups));
        write_json(dir, set.set, &Value::Object(top))?;
    }
    Ok(())
}
