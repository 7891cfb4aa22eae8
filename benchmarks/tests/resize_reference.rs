//! Every card interpolation against the library it names (issue 18): `cv2.resize` for
//! `opencv:*`, Pillow's `Image.resize` for `pil:*`, on PNG and JPEG fixtures written to disk.
//!
//! Python decodes each fixture with the family's own loader (`cv2.imread`, or `Image.open` then
//! `convert("RGB")`), writes the decoded pixels and its resized output as PNG. Per case, max and
//! mean absolute difference over all channel values, printed as a table:
//! - **vs own code** / **vs default call**: dfbench's resize of the reference-decoded pixels vs
//!   the library's output — the interpolation alone; asserted ≤ `RESIZE_BOUND` (0 = bit-exact).
//!   "Own code" is OpenCV with IPP switched off (`cv2.ipp.setUseIPP(False)`).
//! - **end to end**: dfbench decoding the file itself, then resizing, vs the default call — adds
//!   the JPEG decoder difference (none for PNG); asserted ≤ `END_TO_END_BOUND`.
//!
//! Python: `$DFBENCH_PYTHON` if set, else `python3`, with `cv2` and `PIL`. Without them the test
//! prints "SKIPPED" and passes, unless `DFBENCH_REQUIRE_PYTHON_REFS=1`.

use dfbench_benchmarks::image_io::{RgbImage, decode_rgb};
use dfbench_benchmarks::resize::{Interpolation, resize};
use std::io::Write;
use std::path::Path;
use std::process::Command;

const SCRIPT: &str = r#"
import sys
import cv2
from PIL import Image
out_dir = sys.argv[1]
CV = {"linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC, "area": cv2.INTER_AREA,
      "nearest": cv2.INTER_NEAREST}
PIL = {"bilinear": Image.Resampling.BILINEAR, "bicubic": Image.Resampling.BICUBIC,
       "nearest": Image.Resampling.NEAREST}
for index, spec in enumerate(sys.argv[2:]):
    path, method, w, h = spec.split("|")
    library, name = method.split(":")
    size = (int(w), int(h))
    if library == "opencv":
        image = cv2.imread(path, cv2.IMREAD_COLOR)  # BGR; resizing is per channel
        cv2.imwrite(f"{out_dir}/dec-{index}.png", image)
        cv2.imwrite(f"{out_dir}/out-{index}.png", cv2.resize(image, size, interpolation=CV[name]))
        # OpenCV's own code: with IPP on (the default) 8-bit INTER_CUBIC runs Intel's IPP instead.
        cv2.ipp.setUseIPP(False)
        cv2.imwrite(f"{out_dir}/own-{index}.png", cv2.resize(image, size, interpolation=CV[name]))
        cv2.ipp.setUseIPP(True)
    else:
        image = Image.open(path).convert("RGB")
        image.save(f"{out_dir}/dec-{index}.png")
        image.resize(size, PIL[name]).save(f"{out_dir}/out-{index}.png")
        image.resize(size, PIL[name]).save(f"{out_dir}/own-{index}.png")
"#;

/// Source sizes of the fixtures.
const SOURCES: &[(u32, u32)] = &[
    (317, 241),
    (64, 48),
    (1024, 768),
    (256, 256),
    (300, 200),
    (240, 360),
];

/// (source, target): down and up, integer and fractional ratios, odd sizes.
type Size = (u32, u32);

const CASES: &[(Size, Size)] = &[
    ((317, 241), (224, 224)),
    ((317, 241), (160, 97)),
    ((64, 48), (299, 299)),
    ((1024, 768), (256, 256)),
    ((256, 256), (224, 224)),
    ((256, 256), (128, 128)),
    ((300, 200), (100, 50)),
    ((300, 200), (150, 100)),
    ((64, 48), (5, 3)),
    ((317, 241), (2, 2)),
    // The height shrinks by more than twice the width's pixels: Pillow 13 resamples vertically
    // first (the second also upscales the width, as NPR's Resize((256, 256)) of a portrait does).
    ((317, 241), (300, 100)),
    ((240, 360), (256, 256)),
];

/// Per method, the largest max abs difference of the resize alone: against the library's own
/// code, and against its default call (0 = bit-exact). They differ only for `opencv:cubic`:
/// `cv2.resize` hands 8-bit `INTER_CUBIC` to Intel IPP unless IPP is switched off. OpenCV's own
/// cubic is matched to the bit in every case but 300x200 → 100x50 (exact half-way values near
/// the end of a row: a few values in 10⁴ differ by 1).
const RESIZE_BOUND: &[(Interpolation, u8, u8)] = &[
    (Interpolation::OpencvLinear, 0, 0),
    (Interpolation::OpencvCubic, 1, 1),
    (Interpolation::OpencvArea, 0, 0),
    (Interpolation::OpencvNearest, 0, 0),
    (Interpolation::PilBilinear, 0, 0),
    (Interpolation::PilBicubic, 0, 0),
    (Interpolation::PilNearest, 0, 0),
];

/// Largest max abs difference when dfbench also decodes the file (JPEG decoders differ).
const END_TO_END_BOUND: u8 = 3;

fn python_with_references() -> Option<String> {
    let py = std::env::var("DFBENCH_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let ok = Command::new(&py)
        .args(["-c", "import cv2, PIL"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    ok.then_some(py)
}

/// A photo-like test image: smooth shading, hard edges, stripes and grain.
fn test_image(width: u32, height: u32) -> RgbImage {
    let mut state = 0x9e37_79b9_u32 ^ (width * 31 + height);
    RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let grain = (state >> 26) as f32 - 32.0;
        let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
        let disc = ((fx - 0.4).powi(2) + (fy - 0.5).powi(2)) < 0.06;
        let stripes = ((x / 2 + y / 3) % 2) as f32 * 60.0;
        let base = [
            20.0 + 200.0 * fx + if disc { 90.0 } else { 0.0 },
            30.0 + 150.0 * fy + stripes,
            230.0 - 200.0 * fx * fy + 40.0 * (fx * 31.0).sin(),
        ];
        image::Rgb(base.map(|v| (v + grain).clamp(0.0, 255.0) as u8))
    })
}

/// (max, mean) absolute difference over every channel value.
fn diff(ours: &RgbImage, theirs: &RgbImage) -> (u8, f64) {
    assert_eq!(ours.dimensions(), theirs.dimensions());
    let mut max = 0u8;
    let mut total = 0u64;
    for (&a, &b) in ours.iter().zip(theirs.iter()) {
        let d = a.abs_diff(b);
        max = max.max(d);
        total += u64::from(d);
    }
    (max, total as f64 / ours.len() as f64)
}

fn write_fixtures(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for &(w, h) in SOURCES {
        let image = test_image(w, h);
        let png = dir.join(format!("{w}x{h}.png"));
        image.save(&png).expect("write png");
        let jpg = dir.join(format!("{w}x{h}.jpg"));
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85)
            .encode_image(&image)
            .expect("encode jpeg");
        std::fs::write(&jpg, bytes).expect("write jpeg");
        files.extend([png, jpg]);
    }
    files
}

#[test]
fn interpolations_match_opencv_and_pillow() {
    let Some(py) = python_with_references() else {
        let required = std::env::var("DFBENCH_REQUIRE_PYTHON_REFS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "DFBENCH_REQUIRE_PYTHON_REFS=1 but no python with cv2 and PIL: set DFBENCH_PYTHON"
        );
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: opencv-python or Pillow not found (set DFBENCH_PYTHON to a python with both)"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let files = write_fixtures(dir.path());
    let mut runs = Vec::new();
    for &(method, own_bound, default_bound) in RESIZE_BOUND {
        for &((sw, sh), (w, h)) in CASES {
            for file in files.iter().filter(|f| {
                f.file_stem()
                    .is_some_and(|s| s.to_string_lossy() == format!("{sw}x{sh}"))
            }) {
                runs.push((method, (own_bound, default_bound), file.clone(), (w, h)));
            }
        }
    }
    let out_dir = dir.path().join("reference");
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    let specs = runs
        .iter()
        .map(|(method, _, file, (w, h))| format!("{}|{method}|{w}|{h}", file.display()));
    let output = Command::new(&py)
        .args(["-c", SCRIPT])
        .arg(&out_dir)
        .args(specs)
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "reference script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut failures = Vec::new();
    let mut log = std::io::stderr().lock();
    let _ = writeln!(
        log,
        "max/mean abs diff      fixture       target     vs own code     vs default call  end to end"
    );
    for (index, (method, (own_bound, default_bound), file, (w, h))) in runs.iter().enumerate() {
        let read = |prefix: &str| {
            decode_rgb(&out_dir.join(format!("{prefix}-{index}.png"))).expect("reference output")
        };
        let ours = resize(&read("dec"), *w, *h, *method);
        let (own_max, own_mean) = diff(&ours, &read("own"));
        let theirs = read("out");
        let (max, mean) = diff(&ours, &theirs);
        let decoded_here = decode_rgb(file).expect("fixture");
        let (e2e_max, e2e_mean) = diff(&resize(&decoded_here, *w, *h, *method), &theirs);
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = writeln!(
            log,
            "{method:<22} {name:<13} {:<10} {own_max} / {own_mean:<9.5}  {max} / {mean:<9.5}  {e2e_max} / {e2e_mean:.5}",
            format!("{w}x{h}")
        );
        let case = format!("{method} {name} → {w}x{h}");
        if own_max > *own_bound {
            failures.push(format!(
                "{case}: max {own_max} > {own_bound} vs the library's own code"
            ));
        }
        if max > *default_bound {
            failures.push(format!(
                "{case}: max {max} > {default_bound} vs its default call"
            ));
        }
        if e2e_max > END_TO_END_BOUND {
            failures.push(format!(
                "{case}: end-to-end max {e2e_max} > {END_TO_END_BOUND}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
