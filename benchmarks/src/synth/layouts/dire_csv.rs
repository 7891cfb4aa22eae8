//! DiffusionForensics `images/test/lsun_bedroom/{real,<8 generators>}/` (NPR's Table 3 set) and
//! a custom dataset with a CSV manifest (backslash paths, videos and stills, two subsets).

use super::{FRAMES, LayoutSummary, Writer};
use crate::synth::SynthError;
use std::path::Path;

/// The eight LSUN-Bedroom generators and their trace strengths.
pub(crate) const GENERATORS: [(&str, f64); 8] = [
    ("adm", 0.35),
    ("ddpm", 0.9),
    ("iddpm", 0.5),
    ("pndm", 0.6),
    ("ldm", 0.95),
    ("sdv1_new", 0.7),
    ("sdv2", 0.4),
    ("vqdiffusion", 1.0),
];
const PER_FOLDER: usize = 4;

pub(super) fn write_dire(root: &Path) -> Result<LayoutSummary, SynthError> {
    let mut writer = Writer::new(root);
    let base = "images/test/lsun_bedroom";
    for index in 0..PER_FOLDER {
        writer.image(&format!("{base}/real/{index:03}.png"), None, None)?;
    }
    for (generator, strength) in GENERATORS {
        for index in 0..PER_FOLDER {
            writer.image(
                &format!("{base}/{generator}/{index:03}.png"),
                Some(strength),
                None,
            )?;
        }
    }
    Ok(LayoutSummary {
        name: "diffusionforensics".to_string(),
        root: root.to_path_buf(),
        images: writer.images,
        note: "format dire, tree images, domain lsun_bedroom".to_string(),
    })
}

pub(super) fn write_csv(root: &Path) -> Result<LayoutSummary, SynthError> {
    let mut writer = Writer::new(root);
    let mut rows = vec!["path,label,video,method,split,subset".to_string()];
    let clips = [
        ("clip_a", None),
        ("clip_b", None),
        ("clip_c", Some(0.8)),
        ("clip_d", Some(0.6)),
    ];
    for (clip, strength) in clips {
        for frame in FRAMES {
            let rel = format!("clips/{clip}/{frame}.png");
            writer.image(&rel, strength, None)?;
            let (label, method) = if strength.is_some() {
                ("fake", "lipsync")
            } else {
                ("real", "real")
            };
            rows.push(format!(
                "{},{label},{clip},{method},test,clips",
                rel.replace('/', "\\")
            ));
        }
    }
    for index in 0..4 {
        let fake = index % 2 == 1;
        let rel = format!("stills/{index:03}.png");
        writer.image(&rel, fake.then_some(0.7), None)?;
        let (label, method) = if fake { (1, "gan") } else { (0, "") };
        rows.push(format!("{rel},{label},,{method},test,stills"));
    }
    writer.text("manifest.csv", &(rows.join("\n") + "\n"))?;
    Ok(LayoutSummary {
        name: "custom".to_string(),
        root: root.to_path_buf(),
        images: writer.images,
        note: "format csv: manifest.csv with path,label,video,method,split,subset".to_string(),
    })
}
