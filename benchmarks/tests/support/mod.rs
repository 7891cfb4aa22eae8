//! Helpers for adapter tests: hand-written fixtures in temp dirs, parsed through real suites.
#![allow(dead_code)]

use dfbench_benchmarks::adapter::{self, AdapterError, Enumerated, SpecEnumeration};
use dfbench_benchmarks::{DataRoots, DatasetSpec, Suite};
use std::path::Path;

/// Writes a small valid PNG (content varies with the path) at `root/rel`.
pub fn png(root: &Path, rel: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let seed = rel.len() as u32;
    let image = image::RgbImage::from_fn(8, 8, |x, y| {
        image::Rgb([(x * 31 + seed) as u8, (y * 17) as u8, 128])
    });
    image.save(&path).expect("save png");
}

/// Writes a text file at `root/rel`.
pub fn text(root: &Path, rel: &str, contents: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, contents).expect("write");
}

/// The single `[[datasets]]` entry `dataset_toml` parsed through a whole suite.
pub fn spec(dataset_toml: &str) -> DatasetSpec {
    let suite = format!(
        "name = \"t\"\n[[datasets]]\n{dataset_toml}\n[[detectors]]\nname = \"spectral\"\nkind = \"builtin\"\n"
    );
    let parsed = Suite::parse(&suite, "test suite").unwrap_or_else(|error| panic!("{error}"));
    parsed.datasets[0].clone()
}

/// Enumerates `dataset_toml` with `root_dir` as the default data root.
pub fn enumerate(dataset_toml: &str, root_dir: &Path) -> Result<SpecEnumeration, AdapterError> {
    adapter::enumerate(&spec(dataset_toml), &DataRoots::new(root_dir))
}

/// Like [`enumerate`] but panics with the error message.
pub fn enumerate_ok(dataset_toml: &str, root_dir: &Path) -> SpecEnumeration {
    enumerate(dataset_toml, root_dir).unwrap_or_else(|error| panic!("{error}"))
}

/// The error message of a failing enumeration.
pub fn enumerate_err(dataset_toml: &str, root_dir: &Path) -> String {
    match enumerate(dataset_toml, root_dir) {
        Ok(found) => panic!("expected an error, got {} dataset(s)", found.datasets.len()),
        Err(error) => error.to_string(),
    }
}

/// The enumerated dataset called `name`.
pub fn dataset<'a>(found: &'a SpecEnumeration, name: &str) -> &'a Enumerated {
    found
        .datasets
        .iter()
        .find(|d| d.name == name)
        .unwrap_or_else(|| {
            let names: Vec<_> = found.datasets.iter().map(|d| d.name.as_str()).collect();
            panic!("no dataset {name} in {names:?}")
        })
}

/// The video key of the sample whose path contains `needle`.
pub fn key_of(dataset: &Enumerated, needle: &str) -> String {
    dataset
        .samples
        .iter()
        .find(|s| s.rel_path.contains(needle))
        .unwrap_or_else(|| panic!("no sample with {needle}"))
        .video_key
        .clone()
}
