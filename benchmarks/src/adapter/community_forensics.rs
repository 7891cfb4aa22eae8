//! Community Forensics (REFERENCE §1.12; JeongsooP/Community-Forensics `README.md` and
//! `dataloader.py` `index_directory`): local evaluation data is
//! `<root>/<generator or dataset name>/<real|fake>/<image>`, labels by folder name with the
//! default `--additional_data_label_format "real:0,fake:1"`, generator = the label folder's
//! parent. Its README allows a folder with one label only (e.g. extra reals), so a set needs at
//! least one of `real`/`fake`. Each generator is its own dataset `<name>/<generator>`
//! (`subset` and the fakes' `method` = the generator). The published evaluation set itself,
//! `PublicEval`, is a split of the Hugging Face dataset `OwensLab/CommunityForensics` (parquet
//! shards, not folders); export it into this layout to score it. Not found in the repository:
//! any checksum or corrupted-file list, so this layout has no integrity data.

use super::label_folders::{self, LabelFolders};
use super::{AdapterError, Enumerated};
use crate::suite::DatasetSpec;
use std::path::Path;

const FOLDERS: LabelFolders = LabelFolders {
    layout: "Community Forensics",
    real: "real",
    fake: "fake",
    both_required: false,
};

pub fn enumerate(spec: &DatasetSpec, root: &Path) -> Result<Vec<Enumerated>, AdapterError> {
    let split = spec.split_name();
    label_folders::set_names(spec, root, &[])?
        .into_iter()
        .map(|set| {
            let dir = label_folders::set_dir(spec, root, &set, &[])?;
            label_folders::read_set(spec, root, &set, &dir, split, FOLDERS)
        })
        .collect()
}
