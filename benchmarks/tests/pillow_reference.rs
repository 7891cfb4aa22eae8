//! Every perturbation against Pillow, the library the anchors' evaluation scripts use
//! (REFERENCE §5): PSNR between dfbench's output and Pillow's must be ≥ 40 dB.
//!
//! - `jpeg:q=Q` vs `Image.save(format="JPEG", quality=Q)` then `Image.open(...).convert("RGB")`;
//! - `blur:sigma=S` vs `Image.filter(ImageFilter.GaussianBlur(S))`;
//! - `rescale:F` / `rescale-down:F` vs `Image.resize(size, Image.BILINEAR)` (down, then back up).
//!
//! Python: `$DFBENCH_PYTHON` if set, else `python3`. Without Pillow the test prints
//! "SKIPPED: Pillow not found" and passes, unless `DFBENCH_REQUIRE_PYTHON_REFS=1`.

use dfbench_benchmarks::image_io::{RgbImage, decode_rgb};
use dfbench_benchmarks::perturb::parse;
use std::io::Write;
use std::path::Path;
use std::process::Command;

const SCRIPT: &str = r#"
import io, sys
from PIL import Image, ImageFilter
source, out_dir = sys.argv[1], sys.argv[2]
image = Image.open(source).convert("RGB")
w, h = image.size
for index, spec in enumerate(sys.argv[3:]):
    family, level = spec.split(":")
    if family == "jpeg":
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=int(level))
        buffer.seek(0)
        out = Image.open(buffer).convert("RGB")
    elif family == "blur":
        out = image.filter(ImageFilter.GaussianBlur(float(level)))
    else:
        f = float(level)
        small = image.resize((int(w * f + 0.5), int(h * f + 0.5)), Image.BILINEAR)
        out = small.resize((w, h), Image.BILINEAR) if family == "rescale" else small
    out.save(f"{out_dir}/{index}.png")
"#;

/// (dfbench id, the script's spec)
const CASES: &[(&str, &str)] = &[
    ("jpeg:q=95", "jpeg:95"),
    ("jpeg:q=75", "jpeg:75"),
    ("jpeg:q=50", "jpeg:50"),
    ("jpeg:q=30", "jpeg:30"),
    ("blur:sigma=0.5", "blur:0.5"),
    ("blur:sigma=1", "blur:1"),
    ("blur:sigma=2", "blur:2"),
    ("blur:sigma=3.5", "blur:3.5"),
    ("rescale:0.5", "rescale:0.5"),
    ("rescale:0.3", "rescale:0.3"),
    ("rescale-down:0.5", "rescale-down:0.5"),
];

fn python_with_pillow() -> Option<String> {
    let py = std::env::var("DFBENCH_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let ok = Command::new(&py)
        .args(["-c", "import PIL"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    ok.then_some(py)
}

/// A photo-like test image: smooth shading, hard-edged shapes, fine texture and noise.
fn test_image(width: u32, height: u32) -> RgbImage {
    let mut state = 0x2545_f491_u32;
    RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let grain = (state >> 27) as f32 - 16.0;
        let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
        let disc = ((fx - 0.4).powi(2) + (fy - 0.5).powi(2)) < 0.06;
        let stripes = ((x / 3 + y / 5) % 2) as f32 * 40.0;
        let base = [
            60.0 + 150.0 * fx + if disc { 70.0 } else { 0.0 },
            40.0 + 120.0 * fy + stripes,
            200.0 - 120.0 * fx * fy + 30.0 * (fx * 25.0).sin(),
        ];
        image::Rgb(base.map(|v| (v + grain).clamp(0.0, 255.0) as u8))
    })
}

fn psnr(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let squared: f64 = a
        .iter()
        .zip(b.iter())
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum();
    let mse = squared / a.len() as f64;
    if mse == 0.0 {
        return f64::INFINITY;
    }
    10.0 * (255.0f64 * 255.0 / mse).log10()
}

fn compare(py: &str, dir: &Path, image: &RgbImage) {
    let (width, height) = image.dimensions();
    let source = dir.join(format!("source-{width}x{height}.png"));
    image.save(&source).expect("write source");
    let out_dir = dir.join(format!("pillow-{width}x{height}"));
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    let output = Command::new(py)
        .args(["-c", SCRIPT])
        .arg(&source)
        .arg(&out_dir)
        .args(CASES.iter().map(|(_, spec)| spec))
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "pillow script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    for (index, (id, _)) in CASES.iter().enumerate() {
        let ours = parse(id)
            .expect(id)
            .apply(image.clone(), "x.png")
            .expect(id);
        let theirs = decode_rgb(&out_dir.join(format!("{index}.png"))).expect("pillow output");
        let db = psnr(&ours, &theirs);
        let _ = writeln!(
            std::io::stderr(),
            "{width}x{height} {id}: PSNR vs Pillow {db:.1} dB"
        );
        assert!(
            db >= 40.0,
            "{width}x{height} {id}: PSNR vs Pillow {db:.1} dB < 40"
        );
    }
}

#[test]
fn perturbations_match_pillow() {
    let Some(py) = python_with_pillow() else {
        let required = std::env::var("DFBENCH_REQUIRE_PYTHON_REFS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "DFBENCH_REQUIRE_PYTHON_REFS=1 but no python with Pillow: set DFBENCH_PYTHON"
        );
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: Pillow not found (set DFBENCH_PYTHON to a python that has it)"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    compare(&py, dir.path(), &test_image(256, 256));
    // Odd sizes: partial JPEG blocks and chroma pairs, uneven blur edges.
    compare(&py, dir.path(), &test_image(197, 131));
}
