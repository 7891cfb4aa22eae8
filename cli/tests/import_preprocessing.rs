//! Preprocessing parity of `dfbench import` cards (issue 18): for every family the exporter
//! lists, dfbench's tensor (`Preprocessing::from_card(card).prepare(decode_rgb(file))`) against
//! the family's upstream TEST loader re-run with the upstream's own libraries
//! (fixtures/preprocess_reference.py: cv2 for DeepfakeBench; PIL + torchvision for CNNSpot, NPR,
//! UnivFD), on PNG and JPEG fixtures written here: a 4:3 and a portrait image, one smaller than
//! 224 on both sides, one smaller on one side only (odd margins), one already 256². The
//! reference takes each loader's parameters (resolution, mean, std) from the upstream
//! configuration, never from the card: that the card reproduces them is what is tested.
//!
//! Families sharing a loader and a card preprocessing (input size, resize policy, interpolation,
//! mean/std, channel order) share the computation; the reference script likewise runs each
//! distinct upstream configuration once. Max and mean absolute difference over every tensor
//! value are printed as a table and bounded per (loader, format) in `BOUNDS`.
//!
//! Small images: UnivFD's `CenterCrop(224)` pads an image smaller than 224 with zeros
//! (torchvision), which dfbench's `crop` card does too (before normalising, so the padding reads
//! (0 − mean)/std in both; `small` pads both sides, `thin` pads one and crops the other, and a
//! test below checks the padded pixels). CNNSpot's loader resizes the shorter side to 256 before
//! its crop, so it never pads; DeepfakeBench and NPR resize to the square input, never crop.
//!
//! Needs the torch venv's python with cv2 (scripts/setup-torch.sh): without it the test says
//! SKIPPED and passes, unless DFBENCH_REQUIRE_TORCH=1.

mod import_support;
mod support;

use dfbench_benchmarks::card::DetectorCard;
use dfbench_benchmarks::image_io::{RgbImage, decode_rgb};
use dfbench_worker::preprocess::Preprocessing;
use import_support::{FIXTURES, FamilyLine, exporter_families, text, torch_python};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (loader, format, max, mean) in 8-bit levels: the largest max and mean |dfbench − upstream|
/// over every tensor value of every fixture, as measured. A tensor difference of one level is
/// 1/(255·std): 0.0078 for `half`, 0.0171–0.0175 for ImageNet, 0.0142–0.0150 for CLIP; the test
/// bounds the tensor's max and mean by these levels over 255·(smallest std of the card).
///
/// - PNG, PIL loaders (cnnspot, npr, univfd): bit-exact (0). dfbench's `pil:bilinear` is
///   Pillow's fixed-point resample with Pillow 13's pass order, its crop is torchvision's
///   `CenterCrop` geometry (zero padding below 224, offsets rounded half to even), and
///   `(v / 255 − mean) / std` is computed in f32 in torchvision's order.
/// - PNG, deepfakebench: one level, on about 5% of the values (mean ≤ 0.1 level).
///   `cv2.resize(INTER_CUBIC)` on 8-bit images runs Intel IPP unless it is switched off, and
///   DeepfakeBench does not switch it off; dfbench reproduces OpenCV's own fixed-point cubic.
///   Against that own code (the table's `own` column, `cv2.ipp.setUseIPP(False)`) it is
///   bit-exact on these fixtures (`OWN_CODE_BOUND`).
/// - JPEG: three levels. The `image` crate's decoder (zune-jpeg) and libjpeg-turbo (under both
///   cv2 and Pillow) round the IDCT and upsample chroma differently by up to a few levels on
///   some pixels (as benchmarks/tests/resize_reference.rs's end-to-end column shows); the resize
///   or crop carries that over. Mean ≤ 0.15 level.
const BOUNDS: &[(&str, Format, f32, f32)] = &[
    ("deepfakebench", Format::Png, 1.0, 0.1),
    ("cnnspot", Format::Png, 0.0, 0.0),
    ("npr", Format::Png, 0.0, 0.0),
    ("univfd", Format::Png, 0.0, 0.0),
    ("deepfakebench", Format::Jpeg, 3.0, 0.15),
    ("cnnspot", Format::Jpeg, 3.0, 0.15),
    ("npr", Format::Jpeg, 3.0, 0.15),
    ("univfd", Format::Jpeg, 3.0, 0.15),
];

/// Max levels of dfbench vs DeepfakeBench's loader with IPP switched off (OpenCV's own cubic):
/// PNG bit-exact; JPEG as `BOUNDS` (the decoders).
const OWN_CODE_BOUND: &[(Format, f32)] = &[(Format::Png, 0.0), (Format::Jpeg, 3.0)];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Format {
    Png,
    Jpeg,
}

/// Fixture (name, width, height).
const IMAGES: &[(&str, u32, u32)] = &[
    ("landscape-4x3", 400, 300),
    ("portrait", 240, 360),
    ("small", 160, 120),
    ("thin", 301, 181),
    ("square-256", 256, 256),
];

#[derive(serde::Deserialize)]
struct ReferenceLine {
    family: String,
    loader: String,
    image: String,
    file: String,
    shape: Vec<usize>,
    /// deepfakebench only: the same loader with IPP switched off.
    own_file: Option<String>,
}

/// A photo-like textured image: smooth gradients, a disc with a hard edge, diagonal stripes,
/// fine checker detail and seeded grain in every channel (no flat areas).
fn textured(width: u32, height: u32, seed: u32) -> RgbImage {
    let mut state = 0x2545_f491_u32 ^ seed.wrapping_mul(0x9e37_79b9);
    RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let grain = (state >> 27) as f32 - 16.0;
        let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
        let disc = (fx - 0.55).powi(2) + (fy - 0.45).powi(2) < 0.05;
        let stripes = ((x + 2 * y) / 3 % 2) as f32 * 50.0;
        let checker = ((x ^ y) & 1) as f32 * 24.0;
        let base = [
            30.0 + 180.0 * fx + if disc { 70.0 } else { 0.0 } + checker,
            40.0 + 140.0 * fy + stripes,
            220.0 - 180.0 * fx * fy + 35.0 * (fx * 23.0 + fy * 7.0).sin(),
        ];
        image::Rgb(base.map(|v| (v + grain).clamp(0.0, 255.0) as u8))
    })
}

/// Writes every fixture as PNG and as JPEG (quality 90); returns (file name, format).
fn write_fixtures(dir: &Path) -> Vec<(String, Format)> {
    let mut files = Vec::new();
    for (index, (name, width, height)) in IMAGES.iter().enumerate() {
        let image = textured(*width, *height, index as u32 + 1);
        let png = format!("{name}.png");
        image.save(dir.join(&png)).expect("write png");
        files.push((png, Format::Png));
        let jpeg = format!("{name}.jpg");
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)
            .encode_image(&image)
            .expect("encode jpeg");
        std::fs::write(dir.join(&jpeg), bytes).expect("write jpeg");
        files.push((jpeg, Format::Jpeg));
    }
    files
}

/// The torch python if it also has cv2 (DeepfakeBench's loader), else `None` after saying so.
fn reference_python() -> Option<PathBuf> {
    let python = torch_python()?;
    let has_cv2 = Command::new(&python)
        .args(["-c", "import cv2, PIL, torchvision"])
        .output()
        .is_ok_and(|output| output.status.success());
    if has_cv2 {
        return Some(python);
    }
    let required = std::env::var("DFBENCH_REQUIRE_TORCH").is_ok_and(|value| value == "1");
    assert!(
        !required,
        "DFBENCH_REQUIRE_TORCH=1 but {} cannot import cv2: run scripts/setup-torch.sh",
        python.display()
    );
    eprintln!("SKIPPED: the torch python has no cv2 (run `scripts/setup-torch.sh`)");
    None
}

/// The card `dfbench import` writes for `family` (as import.rs's `write_card` builds it).
fn card_of(family: &FamilyLine) -> DetectorCard {
    let mut fields = family.card.clone();
    fields
        .as_object_mut()
        .expect("card object")
        .insert("model".into(), "model.pt".into());
    serde_json::from_value(fields).unwrap_or_else(|error| panic!("{}: card: {error}", family.name))
}

/// The per-image preprocessing of a card (a clip card's frames get exactly this).
fn image_preprocessing(card: &DetectorCard) -> Preprocessing {
    Preprocessing {
        clip: None,
        ..Preprocessing::from_card(card)
    }
}

fn read_f32(path: &Path) -> Vec<f32> {
    std::fs::read(path)
        .expect("reference tensor")
        .chunks_exact(4)
        .map(|bytes| f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
        .collect()
}

/// (max, mean) |a − b| and the largest difference in 8-bit levels (|Δ|·std·255).
fn difference(ours: &[f32], theirs: &[f32], std: [f32; 3]) -> (f32, f64, f32) {
    assert_eq!(ours.len(), theirs.len());
    let plane = ours.len() / 3;
    let (mut max, mut sum, mut levels) = (0.0f32, 0.0f64, 0.0f32);
    for (index, (a, b)) in ours.iter().zip(theirs).enumerate() {
        let delta = (a - b).abs();
        max = max.max(delta);
        sum += f64::from(delta);
        levels = levels.max(delta * std[index / plane] * 255.0);
    }
    (max, sum / ours.len() as f64, levels)
}

struct Group {
    loader: String,
    preprocessing: Preprocessing,
    families: Vec<String>,
}

#[test]
fn imported_cards_prepare_what_their_upstream_loaders_prepare() {
    let Some(python) = reference_python() else {
        return;
    };
    // Face detectors (MTCNN) prepare no image for a score: cli/tests/faces.rs covers them.
    let families: Vec<FamilyLine> = exporter_families(&python)
        .into_iter()
        .filter(FamilyLine::scores)
        .collect();
    assert!(families.len() >= 14, "only {} families", families.len());

    // Group by (loader, card preprocessing).
    let mut groups: Vec<Group> = Vec::new();
    for family in &families {
        let preprocessing = image_preprocessing(&card_of(family));
        match groups
            .iter_mut()
            .find(|g| g.loader == family.loader && g.preprocessing == preprocessing)
        {
            Some(group) => group.families.push(family.name.clone()),
            None => groups.push(Group {
                loader: family.loader.clone(),
                preprocessing,
                families: vec![family.name.clone()],
            }),
        }
    }

    let dir = tempfile::tempdir().expect("tempdir");
    let fixtures = write_fixtures(dir.path());
    let refs = dir.path().join("refs");
    std::fs::create_dir(&refs).expect("refs dir");
    let names: Vec<&str> = families.iter().map(|f| f.name.as_str()).collect();
    let run = Command::new(&python)
        .arg(Path::new(FIXTURES).join("preprocess_reference.py"))
        .arg(&refs)
        .arg(names.join(","))
        .args(fixtures.iter().map(|(file, _)| dir.path().join(file)))
        .output()
        .expect("spawn python");
    assert!(run.status.success(), "{}", text(&run.stderr));
    // (family, image file name) → reference line.
    let mut references: BTreeMap<(String, String), ReferenceLine> = BTreeMap::new();
    for line in text(&run.stdout).lines() {
        let reference: ReferenceLine = serde_json::from_str(line).expect("reference line");
        let image = Path::new(&reference.image)
            .file_name()
            .and_then(|name| name.to_str())
            .expect("image name")
            .to_string();
        references.insert((reference.family.clone(), image), reference);
    }
    for family in &families {
        let reference = references
            .get(&(family.name.clone(), fixtures[0].0.clone()))
            .unwrap_or_else(|| panic!("{}: no reference tensor", family.name));
        assert_eq!(
            reference.loader, family.loader,
            "{}: families.py names loader `{}`, the reference script runs `{}`",
            family.name, family.loader, reference.loader
        );
    }

    println!(
        "{:<30} {:<14} {:<18} {:>10} {:>10} {:>6} {:>5}",
        "family", "loader", "image", "max", "mean", "levels", "own"
    );
    let mut worst: BTreeMap<(String, Format), (f32, f64)> = BTreeMap::new();
    let mut failures = Vec::new();
    for group in &groups {
        let prep = &group.preprocessing;
        let side = prep.input_size as usize;
        for (file, format) in &fixtures {
            let ours = prep.prepare(&decode_rgb(&dir.path().join(file)).expect("decode"));
            // Families of the group whose upstream configuration is the same share a reference.
            let mut by_reference: BTreeMap<&str, (Vec<&str>, &ReferenceLine)> = BTreeMap::new();
            for name in &group.families {
                let reference = &references[&(name.clone(), file.clone())];
                by_reference
                    .entry(reference.file.as_str())
                    .or_insert_with(|| (Vec::new(), reference))
                    .0
                    .push(name);
            }
            for (reference_file, (names, reference)) in by_reference {
                let label = names.join(",");
                if reference.shape != [3, side, side] {
                    failures.push(format!(
                        "{label} {file}: upstream tensor {:?}, the card gives [3, {side}, {side}]",
                        reference.shape
                    ));
                    continue;
                }
                let theirs = read_f32(&refs.join(reference_file));
                let (max, mean, levels) = difference(&ours, &theirs, prep.std);
                let own = reference.own_file.as_ref().map(|own_file| {
                    let own = read_f32(&refs.join(own_file));
                    difference(&ours, &own, prep.std).2
                });
                println!(
                    "{:<30} {:<14} {:<18} {:>10.3e} {:>10.3e} {:>6.2} {:>5}",
                    abbreviate(&label),
                    group.loader,
                    file,
                    max,
                    mean,
                    levels,
                    own.map_or("-".to_string(), |levels| format!("{levels:.2}"))
                );
                if let Some(own) = own {
                    let bound = OWN_CODE_BOUND
                        .iter()
                        .find(|(bound_format, _)| bound_format == format)
                        .map_or(0.0, |(_, levels)| *levels);
                    if own > bound + 1e-3 {
                        failures.push(format!(
                            "{label} {file}: {own} levels from OpenCV's own cubic (IPP off), \
                             bound {bound}"
                        ));
                    }
                }
                let entry = worst
                    .entry((group.loader.clone(), *format))
                    .or_insert((0.0, 0.0));
                entry.0 = entry.0.max(max);
                entry.1 = entry.1.max(mean);
                let bound = BOUNDS
                    .iter()
                    .find(|(loader, bound_format, ..)| {
                        *loader == group.loader && bound_format == format
                    })
                    .map(|(_, _, max, mean)| {
                        // Levels → tensor units at the card's smallest std (the largest step).
                        let step =
                            1.0 / (255.0 * prep.std.iter().cloned().fold(f32::MAX, f32::min));
                        (max * step * 1.0001, f64::from(mean * step * 1.0001))
                    });
                match bound {
                    None => failures.push(format!(
                        "{label} {file}: no bound for loader `{}`: add it to BOUNDS",
                        group.loader
                    )),
                    Some((bound_max, bound_mean)) if max > bound_max || mean > bound_mean => {
                        failures.push(format!(
                            "{label} {file}: max {max:e} / mean {mean:e} beyond the \
                             {format:?} bound {bound_max:e} / {bound_mean:e}"
                        ))
                    }
                    Some(_) => {}
                }
            }
        }
    }
    println!("\nworst per (loader, format):");
    for ((loader, format), (max, mean)) in &worst {
        println!("  {loader:<14} {format:?}  max {max:.3e}  mean {mean:.3e}");
    }
    println!("\ngroups (loader: families sharing one card preprocessing):");
    for group in &groups {
        println!("  {}: {}", group.loader, group.families.join(", "));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A long family list as its first two names and a count.
fn abbreviate(label: &str) -> String {
    let names: Vec<&str> = label.split(',').collect();
    if names.len() <= 2 {
        return label.to_string();
    }
    format!("{},{} (+{})", names[0], names[1], names.len() - 2)
}

/// UnivFD's loader pads an image smaller than 224 with zeros (torchvision's `CenterCrop`), and so
/// does dfbench's `crop` card: the padding reads (0 − mean)/std in both tensors. Checked on the
/// PNG fixture smaller than 224 on both sides, independently of the parity bounds.
#[test]
fn small_images_are_padded_with_black_like_torchvision_center_crop() {
    let Some(python) = reference_python() else {
        return;
    };
    let families = exporter_families(&python);
    let univfd = families
        .iter()
        .find(|family| family.name == "univfd")
        .expect("univfd family");
    let prep = image_preprocessing(&card_of(univfd));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("small.png");
    textured(160, 120, 7).save(&path).expect("write png");
    let run = Command::new(&python)
        .arg(Path::new(FIXTURES).join("preprocess_reference.py"))
        .arg(dir.path())
        .arg("univfd")
        .arg(&path)
        .output()
        .expect("spawn python");
    assert!(run.status.success(), "{}", text(&run.stderr));
    let theirs = read_f32(&dir.path().join("ref-0-0.f32"));
    let ours = prep.prepare(&decode_rgb(&path).expect("decode"));
    let side = prep.input_size as usize;
    let plane = side * side;
    // (224 − 160) / 2 = 32 columns, (224 − 120) / 2 = 52 rows of padding on the left and top.
    for (x, y, padded) in [
        (0, 0, true),
        (31, 60, true),
        (32, 52, false),
        (100, 51, true),
    ] {
        for channel in 0..3 {
            let index = channel * plane + y * side + x;
            let black = -prep.mean[channel] / prep.std[channel];
            assert_eq!(ours[index], theirs[index], "({x}, {y}) channel {channel}");
            assert_eq!(ours[index] == black, padded, "({x}, {y}) channel {channel}");
        }
    }
}
