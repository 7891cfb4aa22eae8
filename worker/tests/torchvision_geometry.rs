//! Preprocessing parity of the crop families (issue 18): a card with a `pil:*` interpolation and
//! `resize = "shorter-crop"` (CNNSpot: `Resize(256)` then `CenterCrop(224)`) or `resize = "crop"`
//! (UnivFD: `CenterCrop(224)`) gives the same pixels as torchvision's transforms on the PIL image,
//! for sizes whose longer side needs truncating, odd crop margins (torchvision rounds the offset
//! half to even), and images smaller than the crop (padded with black). Per case, max and mean
//! absolute difference over all channel values are printed; asserted 0 (bit-exact).
//!
//! Python: the torch venv's (`DFBENCH_TORCH_PYTHON`, else the default venv of
//! scripts/setup-torch.sh), with torchvision. Without it the test prints "SKIPPED" and passes,
//! unless `DFBENCH_REQUIRE_TORCH=1`.

use dfbench_benchmarks::card::DetectorCard;
use dfbench_benchmarks::image_io::{RgbImage, decode_rgb};
use dfbench_worker::preprocess::Preprocessing;
use std::path::{Path, PathBuf};
use std::process::Command;

const SCRIPT: &str = r#"
import sys
from PIL import Image
from torchvision import transforms
out_dir = sys.argv[1]
pipelines = {
    "shorter-crop": transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224)]),
    "crop": transforms.CenterCrop(224),
}
for index, spec in enumerate(sys.argv[2:]):
    path, policy = spec.split("|")
    image = Image.open(path).convert("RGB")
    pipelines[policy](image).save(f"{out_dir}/out-{index}.png")
"#;

/// (width, height): truncated longer sides (317x241 → 336, not 337), odd margins whose half is
/// odd or even, portrait, square, and smaller than the crop in one or both sides.
const SIZES: &[(u32, u32)] = &[
    (317, 241),
    (339, 260),
    (241, 317),
    (300, 200),
    (256, 256),
    (500, 231),
    (225, 400),
    (200, 150),
    (230, 201),
];

fn torch_python() -> Option<PathBuf> {
    let path = std::env::var_os("DFBENCH_TORCH_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|home| PathBuf::from(home).join(".cache/dfbench/torch-venv/bin/python"))
        })?;
    let works = Command::new(&path)
        .args(["-c", "import torchvision, PIL"])
        .output()
        .is_ok_and(|output| output.status.success());
    works.then_some(path)
}

fn card(policy: &str) -> Preprocessing {
    let text = format!(
        "model = \"m.pt\"\ninput_size = 224\nresize = \"{policy}\"\ninterpolation = \"pil:bilinear\"\n\
         normalize = \"imagenet\"\noutput = \"logit\"\n"
    );
    Preprocessing::from_card(&DetectorCard::parse(&text, "test card").expect("card"))
}

fn write_fixture(dir: &Path, index: usize, (width, height): (u32, u32)) -> PathBuf {
    let mut state = 0x2545_f491_u32.wrapping_mul(index as u32 + 3);
    let image = RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = (state >> 27) as u8;
        image::Rgb([
            ((x * 5 + y * 2) % 256) as u8 ^ noise,
            ((x * y) % 251) as u8,
            (((x / 8 + y / 8) % 2) * 200) as u8 + noise,
        ])
    });
    let path = dir.join(format!("in-{index}.png"));
    image.save(&path).expect("save fixture");
    path
}

#[test]
fn crop_geometry_matches_torchvision() {
    let Some(python) = torch_python() else {
        let required = std::env::var("DFBENCH_REQUIRE_TORCH").is_ok_and(|value| value == "1");
        assert!(
            !required,
            "DFBENCH_REQUIRE_TORCH=1 but no python with torchvision"
        );
        eprintln!("SKIPPED: no torch venv with torchvision (run scripts/setup-torch.sh)");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cases = Vec::new();
    for (index, &size) in SIZES.iter().enumerate() {
        let path = write_fixture(dir.path(), index, size);
        for policy in ["shorter-crop", "crop"] {
            cases.push((path.clone(), size, policy));
        }
    }
    let output = Command::new(&python)
        .arg("-c")
        .arg(SCRIPT)
        .arg(dir.path())
        .args(
            cases
                .iter()
                .map(|(path, _, policy)| format!("{}|{policy}", path.display())),
        )
        .output()
        .expect("spawn python");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    println!(
        "{:<14} {:>10} {:>8} {:>10}",
        "policy", "source", "max", "mean"
    );
    let mut worst = 0u8;
    for (index, (path, (width, height), policy)) in cases.iter().enumerate() {
        let theirs = decode_rgb(&dir.path().join(format!("out-{index}.png"))).expect("reference");
        let ours = card(policy).geometry(&decode_rgb(path).expect("fixture"));
        assert_eq!(
            ours.dimensions(),
            theirs.dimensions(),
            "{policy} {width}x{height}"
        );
        let differences: Vec<u8> = ours
            .as_raw()
            .iter()
            .zip(theirs.as_raw())
            .map(|(a, b)| a.abs_diff(*b))
            .collect();
        let max = differences.iter().copied().max().unwrap_or(0);
        let mean =
            differences.iter().map(|d| f64::from(*d)).sum::<f64>() / differences.len() as f64;
        println!(
            "{policy:<14} {:>10} {max:>8} {mean:>10.6}",
            format!("{width}x{height}")
        );
        worst = worst.max(max);
    }
    assert_eq!(
        worst, 0,
        "dfbench's crop geometry differs from torchvision's"
    );
}
