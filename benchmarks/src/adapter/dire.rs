//! DiffusionForensics / DIRE (REFERENCE §1.9, §3.3):
//! `<root>/{images,recons,dire}/{train,val,test}/<domain>/<generator>/*.png|jpg`, with the
//! generator folder `real` as the negative class. The download tarballs add one more
//! `<domain>/` level (`dire/test/lsun_bedroom/lsun_bedroom/adm`); it is followed when present.
//!
//! Every generator shares the same reals, so each set (generator) becomes its own dataset
//! `<name>/<generator>` = `real/*` + `<generator>/*`. `sets` defaults to every generator folder.

use super::walk::{Kind, entries_sorted, images_under, skipped_file, subdir_names};
use super::{
    AdapterError, DatasetBuilder, Enumerated, Video, WalkInventory, relative_path, set_dataset_name,
};
use crate::sample::Label;
use crate::suite::DatasetSpec;
use std::path::Path;

const REAL: &str = "real";

pub fn enumerate(spec: &DatasetSpec, root: &Path) -> Result<Vec<Enumerated>, AdapterError> {
    let tree = spec.tree.as_deref().unwrap_or("images");
    let domain = spec.domain.as_deref().unwrap_or("lsun_bedroom");
    let split = spec.split_name();
    let mut dir = root.join(tree).join(split).join(domain);
    if !dir.join(REAL).is_dir() && dir.join(domain).join(REAL).is_dir() {
        dir = dir.join(domain);
    }
    if !dir.join(REAL).is_dir() {
        return Err(AdapterError::MissingLayout {
            dataset: spec.name.clone(),
            what: "DiffusionForensics real folder".to_string(),
            path: dir.join(REAL),
            hint: format!(
                "`root` must hold {tree}/{split}/{domain}/real and one folder per generator; check root, tree, split and domain"
            ),
        });
    }
    let generators: Vec<String> = if spec.sets.is_empty() {
        subdir_names(&spec.name, &dir)?
            .into_iter()
            .filter(|name| name != REAL)
            .collect()
    } else {
        spec.sets.clone()
    };
    if generators.is_empty() {
        return Err(AdapterError::Empty {
            dataset: spec.name.clone(),
            root: dir,
            expected: "one folder per generator beside real/".to_string(),
        });
    }
    // What every set shares: files beside the generator folders (not read) and the reals.
    let mut shared = WalkInventory::walked();
    for entry in entries_sorted(&spec.name, &dir)? {
        if entry.kind != Kind::Dir {
            skipped_file(&mut shared, &entry.path, false);
        }
    }
    let reals = images_under(&spec.name, &dir.join(REAL), &mut shared)?;
    let mut datasets = Vec::new();
    for generator in &generators {
        let generator_dir = dir.join(generator);
        if !generator_dir.is_dir() {
            return Err(AdapterError::UnknownSet {
                dataset: spec.name.clone(),
                set: generator.clone(),
                known: subdir_names(&spec.name, &dir)?
                    .into_iter()
                    .filter(|name| name != REAL)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let name = set_dataset_name(&spec.name, generator);
        let mut builder = DatasetBuilder::new(&name, root, spec.frame_selection(), false);
        builder.inventory().merge(&shared);
        let fakes = images_under(&spec.name, &generator_dir, builder.inventory())?;
        for (files, label, method) in [
            (&reals, Label::Real, REAL),
            (&fakes, Label::Fake, generator.as_str()),
        ] {
            for file in files {
                builder.add(Video {
                    subset: generator.clone(),
                    label_group: method.to_string(),
                    method: method.to_string(),
                    label,
                    split: split.to_string(),
                    compression: "raw".to_string(),
                    name: None,
                    frames: vec![relative_path(&spec.name, root, file)?],
                })?;
            }
        }
        datasets.push(builder.finish()?);
    }
    Ok(datasets)
}
