//! Tiny GenImage, Community Forensics and AIGIBench releases in their published layouts
//! (REFERENCE §1.12, adapter docs), each fake with its generator's trace strength.
//!
//! GenImage is written as a release would arrive, integrity files included: reals are JPEGs and
//! fakes PNGs (the format bias of the real release), `checksums.csv` carries an MD5 for every
//! file (upstream's lists archive parts; the same CSV format naming images is what dfbench's
//! synthetic release can ship, as no archive is written), and two fakes are broken the way the
//! release's lists say: a zero-sized PNG listed in `improper_png_header/`, a truncated PNG listed
//! in `corrupted_files/`. `datasets check` passes on it (listed breakage is recorded, not an
//! error); damaging any other file makes its checksum mismatch.

use super::{LayoutSummary, Writer, seed_of};
use crate::adapter::integrity::md5_of;
use crate::synth::{Rng, SynthError, encode, render_fake, render_real};
use std::path::Path;

/// GenImage's eight generators: README folder name, archive subset name, trace strength.
pub const GENIMAGE: [(&str, &str, f64); 8] = [
    ("ADM", "imagenet_ai_0508_adm", 0.35),
    ("BigGAN", "imagenet_ai_0419_biggan", 0.9),
    ("GLIDE", "imagenet_glide", 0.8),
    ("Midjourney", "imagenet_midjourney", 0.5),
    ("Stable Diffusion V1.4", "imagenet_ai_0419_sdv4", 0.6),
    ("Stable Diffusion V1.5", "imagenet_ai_0424_sdv5", 0.65),
    ("VQDM", "imagenet_ai_0419_vqdm", 1.0),
    ("Wukong", "imagenet_ai_0424_wukong", 0.45),
];

/// AIGIBench test subsets whose folder names its README writes.
pub const AIGIBENCH: [(&str, f64); 13] = [
    ("BLIP", 0.6),
    ("BlendFace", 0.5),
    ("CommunityAI", 0.3),
    ("FLUX1-dev", 0.55),
    ("FaceSwap", 0.7),
    ("ImSwap", 0.65),
    ("InSwap", 0.75),
    ("Infinite-ID", 0.45),
    ("Midjourney-V6", 0.4),
    ("ProGAN", 1.0),
    ("R3GAN", 0.9),
    ("SocialRF", 0.35),
    ("WFIR", 0.8),
];

/// Community Forensics-style generator folders (synthetic names).
const COMMUNITY: [(&str, f64); 3] = [
    ("dalle_mini", 0.9),
    ("pixart_alpha", 0.5),
    ("sd_turbo", 0.7),
];

const PER_FOLDER: usize = 3;

/// The ADM fake written zero-sized (improper PNG header) and the GLIDE fake truncated.
pub const GENIMAGE_EMPTY: &str = "ADM/imagenet_ai_0508_adm/val/ai/115_adm_002.PNG";
pub const GENIMAGE_TRUNCATED: &str =
    "GLIDE/imagenet_glide/val/ai/GLIDE_1000_200_08_808_glide_00002.png";

pub(super) fn write_genimage(root: &Path) -> Result<LayoutSummary, SynthError> {
    let mut writer = Writer::new(root);
    let mut files = Vec::new();
    for (generator, subset, strength) in GENIMAGE {
        let base = format!("{generator}/{subset}/val");
        for index in 0..PER_FOLDER {
            let real = format!("{base}/nature/n01440764_{index:05}.JPEG");
            let mut rng = Rng::new(seed_of(&real));
            let pixels = render_real(&mut rng, super::SIDE);
            let bytes = encode(&pixels, super::SIDE, Some(95), &root.join(&real))?;
            writer.write_image(&real, &bytes)?;
            files.push((subset, real));
            let fake = fake_name(generator, subset, index);
            if fake == GENIMAGE_EMPTY {
                writer.write_image(&fake, &[])?;
            } else if fake == GENIMAGE_TRUNCATED {
                let mut rng = Rng::new(seed_of(&fake));
                let pixels = render_fake(&mut rng, super::SIDE, &super::trace(strength));
                let bytes = encode(&pixels, super::SIDE, None, &root.join(&fake))?;
                writer.write_image(&fake, &bytes[..bytes.len() / 2])?;
            } else {
                writer.image(&fake, Some(strength), None)?;
            }
            files.push((subset, fake));
        }
    }
    let mut checksums = vec!["md5Checksum,originalFilename".to_string()];
    for (subset, rel) in &files {
        let path = root.join(rel);
        let md5 = md5_of(&path).map_err(|source| SynthError::Write { path, source })?;
        let below = rel
            .split_once(&format!("{subset}/"))
            .map_or(rel.as_str(), |(_, rest)| rest);
        checksums.push(format!("\"{md5}\",\"./{subset}/{below}\""));
    }
    // The archives themselves are not written: their rows count as "not present".
    checksums.push("\"c874b43e46d2b545c552d149a94c6102\",\"imagenet_ai_0508_adm.z05\"".to_string());
    writer.text("checksums.csv", &(checksums.join("\n") + "\n"))?;
    writer.text(
        "improper_png_header/imagenet_ai_0508_adm.txt",
        "./data/imagenet_ai_0508_adm/val/ai/115_adm_002.PNG\n",
    )?;
    writer.text(
        "corrupted_files/imagenet_glide.txt",
        "./imagenet_glide/val/ai/GLIDE_1000_200_08_808_glide_00002.png\n",
    )?;
    Ok(LayoutSummary {
        name: "genimage".to_string(),
        root: root.to_path_buf(),
        images: writer.images,
        note: "format genimage: 8 generators, val/{ai,nature}, checksums.csv and two listed broken fakes".to_string(),
    })
}

/// A fake's path, named the way each GenImage subset names its files.
fn fake_name(generator: &str, subset: &str, index: usize) -> String {
    let file = match subset {
        "imagenet_ai_0508_adm" => format!("115_adm_{index:03}.PNG"),
        "imagenet_glide" => format!("GLIDE_1000_200_08_808_glide_{index:05}.png"),
        _ => {
            let short = subset.rsplit('_').next().unwrap_or(subset);
            format!("033_{short}_{index:05}.png")
        }
    };
    format!("{generator}/{subset}/val/ai/{file}")
}

pub(super) fn write_community_forensics(root: &Path) -> Result<LayoutSummary, SynthError> {
    let mut writer = Writer::new(root);
    for (generator, strength) in COMMUNITY {
        for index in 0..PER_FOLDER {
            writer.image(&format!("{generator}/real/{index:05}.png"), None, None)?;
            writer.image(
                &format!("{generator}/fake/{index:05}.png"),
                Some(strength),
                None,
            )?;
        }
    }
    Ok(LayoutSummary {
        name: "community-forensics".to_string(),
        root: root.to_path_buf(),
        images: writer.images,
        note: "format community-forensics: <generator>/{real,fake}".to_string(),
    })
}

pub(super) fn write_aigibench(root: &Path) -> Result<LayoutSummary, SynthError> {
    let mut writer = Writer::new(root);
    for (subset, strength) in AIGIBENCH {
        for index in 0..2 {
            writer.image(&format!("test/{subset}/0_real/{index:04}.png"), None, None)?;
            writer.image(
                &format!("test/{subset}/1_fake/{index:04}.png"),
                Some(strength),
                None,
            )?;
        }
    }
    Ok(LayoutSummary {
        name: "aigibench".to_string(),
        root: root.to_path_buf(),
        images: writer.images,
        note: "format aigibench: test/<13 subsets>/{0_real,1_fake}".to_string(),
    })
}
