//! The category of a fake method, for category means (DF40 reports FS / FR / EFS / FE means).
//!
//! Order of precedence: the record's explicit `category`; a `label_group` whose first token
//! (split on `-`, `_`, `/`) is a known category (`FS-simswap`, `EFS/sd2.1`); the DF40 method
//! table (REFERENCE §1.8), matched on the lowercased method name. Otherwise no category.

use crate::model::PredictionRecord;

/// The four DF40 categories.
pub const CATEGORIES: [&str; 4] = ["FS", "FR", "EFS", "FE"];

/// DF40's 40 methods by category (folder / label prefixes, lowercased).
const DF40: [(&str, &[&str]); 4] = [
    (
        "FS",
        &[
            "fsgan",
            "faceswap",
            "simswap",
            "inswap",
            "inswapper",
            "blendface",
            "uniface",
            "mobileswap",
            "e4s",
            "facedancer",
            "deepfacelab",
        ],
    ),
    (
        "FR",
        &[
            "fomm",
            "facevid2vid",
            "fs_vid2vid",
            "wav2lip",
            "mraa",
            "one_shot_free",
            "oneshot",
            "pirender",
            "tpsm",
            "lia",
            "danet",
            "dagan",
            "sadtalker",
            "mcnet",
            "hyperreenact",
            "heygen",
        ],
    ),
    (
        "EFS",
        &[
            "vqgan",
            "stylegan2",
            "stylegan3",
            "styleganxl",
            "stylegan-xl",
            "sd2.1",
            "ddim",
            "ddpm",
            "rddm",
            "pixart",
            "dit",
            "sit",
            "midjourney",
            "whichisreal",
            "whichfaceisreal",
        ],
    ),
    (
        "FE",
        &["collabdiff", "e4e", "stargan", "starganv2", "styleclip"],
    ),
];

/// The category of a fake record, if one can be told.
pub fn category_of(record: &PredictionRecord) -> Option<String> {
    if !record.category.is_empty() {
        return Some(record.category.clone());
    }
    let first = record
        .label_group
        .split(['-', '_', '/'])
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    if let Some(c) = CATEGORIES.iter().find(|c| **c == first) {
        return Some((*c).to_string());
    }
    let method = record.method.to_ascii_lowercase();
    DF40.iter()
        .find(|(_, methods)| methods.contains(&method.as_str()))
        .map(|(c, _)| (*c).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(category: &str, label_group: &str, method: &str) -> PredictionRecord {
        PredictionRecord {
            category: category.into(),
            label_group: label_group.into(),
            method: method.into(),
            ..Default::default()
        }
    }

    #[test]
    fn explicit_then_label_group_then_df40_table() {
        assert_eq!(category_of(&rec("X", "FS-a", "fomm")).as_deref(), Some("X"));
        assert_eq!(
            category_of(&rec("", "efs_sd", "fomm")).as_deref(),
            Some("EFS")
        );
        assert_eq!(
            category_of(&rec("", "DF40", "SimSwap")).as_deref(),
            Some("FS")
        );
        assert_eq!(category_of(&rec("", "DF40", "e4e")).as_deref(), Some("FE"));
        assert_eq!(category_of(&rec("", "FF-DF", "Deepfakes")), None);
    }
}
