//! The files `dfbench bench detector` scores: a given folder, or generated PNGs in a scratch
//! folder that is removed afterwards.

use anyhow::Context;
use dfbench_benchmarks::image_io::RgbImage;
use std::path::{Path, PathBuf};

/// PNG and JPEG file names in `folder`, sorted.
pub fn list_images(folder: &Path) -> anyhow::Result<Vec<String>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder)
        .with_context(|| format!("cannot list --images {}", folder.display()))?
    {
        let name = entry?.file_name().to_string_lossy().to_string();
        let lower = name.to_lowercase();
        if lower.ends_with(".png") || lower.ends_with(".jpg") || lower.ends_with(".jpeg") {
            files.push(name);
        }
    }
    files.sort();
    Ok(files)
}

/// `count` textured PNGs of `side`×`side` pixels, deterministic.
pub fn write_images(folder: &Path, count: usize, side: u32) -> anyhow::Result<Vec<String>> {
    (0..count)
        .map(|index| {
            let seed = index as u32;
            let pixels: Vec<u8> = (0..side * side)
                .flat_map(|at| {
                    let (x, y) = (at % side, at / side);
                    let value = (((x * 7) ^ (y * 13)) + seed * 31) % 251;
                    [
                        value as u8,
                        (value * 3 % 256) as u8,
                        ((value + seed) % 256) as u8,
                    ]
                })
                .collect();
            let name = format!("{index:05}.png");
            RgbImage::from_raw(side, side, pixels)
                .context("generated image has the wrong size")?
                .save(folder.join(&name))
                .with_context(|| format!("cannot write {}", folder.join(&name).display()))?;
            Ok(name)
        })
        .collect()
}

/// A folder under the system temp dir, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new() -> anyhow::Result<Scratch> {
        let path = std::env::temp_dir().join(format!("dfbench-bench-{}", std::process::id()));
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Scratch(path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
