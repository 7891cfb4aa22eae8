//! Label names → ground truth, and label groups → manipulation method (REFERENCE §1.3, §1.4).
//!
//! The rule is DeepfakeBench's `label_dict` (real names → 0, its fake names → 1), widened by the
//! DF40 convention `<prefix>_Real` / `<prefix>_Fake`, with a suite's `label_map` checked first.
//! Any other name is unknown: a typo must not silently become "fake".

use crate::sample::Label;
use std::collections::BTreeMap;

/// DeepfakeBench `label_dict` names of real videos.
const DFB_REAL: &[&str] = &[
    "FF-real",
    "DFD_real",
    "CelebDFv1_real",
    "CelebDFv2_real",
    "DFDCP_Real",
    "DFDC_Real",
    "DF_real",
    "UADFV_Real",
    "roop_Real",
];

/// DeepfakeBench `label_dict` names of fake videos.
const DFB_FAKE: &[&str] = &[
    "FF-DF",
    "FF-F2F",
    "FF-FS",
    "FF-NT",
    "FF-FH",
    "FF-SH",
    "DFD_fake",
    "CelebDFv1_fake",
    "CelebDFv2_fake",
    "DFDCP_FakeA",
    "DFDCP_FakeB",
    "DFDC_Fake",
    "DF_fake",
    "UADFV_Fake",
    "roop_Fake",
];

/// FF++ label groups and the method folder each one names.
pub const FF_METHODS: &[(&str, &str)] = &[
    ("FF-DF", "Deepfakes"),
    ("FF-F2F", "Face2Face"),
    ("FF-FS", "FaceSwap"),
    ("FF-NT", "NeuralTextures"),
    ("FF-FH", "FaceShifter"),
    ("DFD_fake", "DeepFakeDetection"),
];

/// The label of `name` under `label_map` and the DeepfakeBench rule, or `None` when unknown.
pub fn label_of(name: &str, label_map: &BTreeMap<String, i64>) -> Option<Label> {
    if let Some(value) = label_map.get(name) {
        return Some(Label::from_i64(*value));
    }
    if DFB_REAL.contains(&name) {
        return Some(Label::Real);
    }
    if DFB_FAKE.contains(&name) {
        return Some(Label::Fake);
    }
    let lower = name.to_ascii_lowercase();
    if lower.ends_with("_real") || lower.ends_with("-real") {
        Some(Label::Real)
    } else if lower.ends_with("_fake") || lower.ends_with("-fake") {
        Some(Label::Fake)
    } else {
        None
    }
}

/// How to map an unknown label, for error messages.
pub fn how_to_map(name: &str) -> String {
    format!("add it to the dataset in the suite: label_map = {{ \"{name}\" = 1 }} (0 real, 1 fake)")
}

/// The method a label group stands for: the FF++ method folder, the DF40 prefix of
/// `<prefix>_Fake`, `real` for real groups, else the group name itself.
pub fn method_of(label_group: &str, label: Label) -> String {
    if label == Label::Real {
        return "real".to_string();
    }
    if let Some((_, method)) = FF_METHODS.iter().find(|(group, _)| *group == label_group) {
        return method.to_string();
    }
    for suffix in ["_Fake", "_fake", "-fake"] {
        if let Some(prefix) = label_group.strip_suffix(suffix)
            && !prefix.is_empty()
        {
            return prefix.to_string();
        }
    }
    label_group.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dfb_and_df40_names_resolve_and_typos_do_not() {
        let none = BTreeMap::new();
        assert_eq!(label_of("FF-real", &none), Some(Label::Real));
        assert_eq!(label_of("FF-NT", &none), Some(Label::Fake));
        assert_eq!(label_of("simswap_Fake", &none), Some(Label::Fake));
        assert_eq!(label_of("FSAll_Real", &none), Some(Label::Real));
        assert_eq!(label_of("FF-Df", &none), None);
        let map = BTreeMap::from([("FF-Df".to_string(), 1), ("FF-DF".to_string(), 0)]);
        assert_eq!(label_of("FF-Df", &map), Some(Label::Fake));
        assert_eq!(
            label_of("FF-DF", &map),
            Some(Label::Real),
            "the suite map wins"
        );
    }

    #[test]
    fn methods_follow_the_label_group() {
        assert_eq!(method_of("FF-F2F", Label::Fake), "Face2Face");
        assert_eq!(method_of("simswap_Fake", Label::Fake), "simswap");
        assert_eq!(method_of("FF-real", Label::Real), "real");
        assert_eq!(method_of("DFDCP_FakeA", Label::Fake), "DFDCP_FakeA");
    }
}
