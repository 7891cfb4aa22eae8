//! AIGIBench (REFERENCE §1.12; HorizonTEL/AIGIBench `README.md`): `<root>/test/<subset>/
//! {0_real,1_fake}` — 25 test subsets, each with as many reals as fakes; training data is
//! `train/<class>/{0_real,1_fake}` (Setting-I: ProGAN car/cat/chair/horse; Setting-II adds
//! `sdv1.4`). `split` (default `test`) picks the top folder. Each subset is its own dataset
//! `<name>/<subset>` (`subset` and the fakes' `method` = the subset). The README's tree names
//! ProGAN, R3GAN, BlendFace, InSwap, FLUX1-dev, Midjourney-V6, BLIP, Infinite-ID, CommunityAI,
//! SocialRF and its count table FaceSwap, ImSwap, WFIR; the folder names of the other subsets
//! (SD3, Imagen, DALL·E 3, InstantID, StyleGAN-XL, … in its prose) are not written there, so
//! without `sets` every subset folder found is read. No checksum or corrupted-file list is
//! published.

use super::label_folders::{self, LabelFolders};
use super::{AdapterError, Enumerated};
use crate::suite::DatasetSpec;
use std::path::Path;

const FOLDERS: LabelFolders = LabelFolders {
    layout: "AIGIBench",
    real: "0_real",
    fake: "1_fake",
    both_required: true,
};

pub fn enumerate(spec: &DatasetSpec, root: &Path) -> Result<Vec<Enumerated>, AdapterError> {
    let split = spec.split_name();
    let base = root.join(split);
    if !base.is_dir() {
        return Err(AdapterError::MissingLayout {
            dataset: spec.name.clone(),
            what: "AIGIBench split folder".to_string(),
            path: base,
            hint: "`root` must hold test/<subset>/{0_real,1_fake} (or train/, val/ with `split`)"
                .to_string(),
        });
    }
    label_folders::set_names(spec, &base, &[])?
        .into_iter()
        .map(|set| {
            let dir = label_folders::set_dir(spec, &base, &set, &[])?;
            label_folders::read_set(spec, root, &set, &dir, split, FOLDERS)
        })
        .collect()
}
