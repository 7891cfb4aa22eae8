//! Shared by the `dfbench import` tests (import.rs in every build, import_parity.rs in the
//! torch+onnx build): the torch venv's python, running `dfbench import`, and seeded random-init
//! checkpoints in a family's release layout, full size or reduced.
#![allow(dead_code)]

use crate::support::dfbench;
use dfbench_benchmarks::card::ResolvedCard;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// The torch python, or `None` (after saying so) where the tests may skip.
pub fn torch_python() -> Option<PathBuf> {
    let path = std::env::var_os("DFBENCH_TORCH_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|home| PathBuf::from(home).join(".cache/dfbench/torch-venv/bin/python"))
        })?;
    let works = Command::new(&path)
        .args(["-c", "import torch, torchvision"])
        .output()
        .is_ok_and(|output| output.status.success());
    if works {
        return Some(path);
    }
    let required = std::env::var("DFBENCH_REQUIRE_TORCH").is_ok_and(|value| value == "1");
    assert!(
        !required,
        "DFBENCH_REQUIRE_TORCH=1 but {} cannot import torch: run scripts/setup-torch.sh",
        path.display()
    );
    eprintln!("SKIPPED: no torch python (run `eval \"$(scripts/setup-torch.sh)\"`)");
    None
}

pub fn import(python: &Path, args: &[&str]) -> Output {
    import_at(python, Size::Full, args)
}

pub fn import_at(python: &Path, size: Size, args: &[&str]) -> Output {
    size.apply(&mut dfbench())
        .arg("import")
        .args(args)
        .arg("--python")
        .arg(python)
        .output()
        .expect("spawn dfbench")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn manifest_path(family: &str) -> PathBuf {
    Path::new(FIXTURES).join(format!("import/{family}.keys"))
}

/// Writes a random-init checkpoint of `family` (variant of the fixture script); returns its path
/// and what the script printed (the affected key for `renamed` / `reshaped`).
pub fn checkpoint(python: &Path, dir: &Path, family: &str, variant: &str) -> (PathBuf, String) {
    checkpoint_from(python, dir, &manifest_path(family), Size::Full, variant)
}

/// Which module a test imports into: the full-size one, or (for the largest families, set by
/// `DFBENCH_IMPORT_REDUCED=1`) a reduced width/depth of the same code.
#[derive(Clone, Copy)]
pub enum Size {
    Full,
    Reduced,
}

impl Size {
    pub fn apply(self, command: &mut Command) -> &mut Command {
        match self {
            Size::Full => command.env_remove(REDUCED_ENV),
            Size::Reduced => command.env(REDUCED_ENV, "1"),
        }
    }
}

pub const REDUCED_ENV: &str = "DFBENCH_IMPORT_REDUCED";

/// [`checkpoint`] from any manifest named `<family>.keys`, building the module at `size`.
pub fn checkpoint_from(
    python: &Path,
    dir: &Path,
    manifest: &Path,
    size: Size,
    variant: &str,
) -> (PathBuf, String) {
    let family = manifest
        .file_stem()
        .and_then(|stem| stem.to_str())
        .expect("manifest name");
    let path = dir.join(format!("{family}-{variant}.pth"));
    let output = size
        .apply(&mut Command::new(python))
        .arg(Path::new(FIXTURES).join("import_checkpoints.py"))
        .arg(manifest)
        .arg(&path)
        .arg(variant)
        .output()
        .expect("spawn python");
    assert!(output.status.success(), "{}", text(&output.stderr));
    (path, text(&output.stdout).trim().to_string())
}

/// The manifest a `size` checkpoint of `family` is written from: the golden one at full size;
/// at reduced size the reduced module's keys (what `--keys` lists under `DFBENCH_IMPORT_REDUCED=1`)
/// under the golden manifest's header, so the release layout (wrapper, prefix) is the real one.
pub fn release_manifest(python: &Path, dir: &Path, family: &str, size: Size) -> PathBuf {
    if let Size::Full = size {
        return manifest_path(family);
    }
    let golden = std::fs::read_to_string(manifest_path(family)).expect("golden manifest");
    let output = import_at(python, size, &["--family", family, "--keys"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let header: String = golden
        .lines()
        .filter(|line| line.starts_with('#'))
        .map(|line| format!("{line}\n"))
        .collect();
    let path = dir.join(format!("{family}.keys"));
    std::fs::write(&path, header + &text(&output.stdout)).expect("write manifest");
    path
}

/// One family as the exporter's `list` prints it.
#[derive(serde::Deserialize)]
pub struct FamilyLine {
    pub name: String,
    pub card: serde_json::Value,
    /// The upstream test loader the card reproduces (deepfakebench, cnnspot, npr, univfd).
    pub loader: String,
    /// Whether tests import it at a reduced width/depth.
    pub reduced: bool,
    /// Whether the family exports to ONNX (spsl's FFT does not).
    pub onnx: bool,
}

impl FamilyLine {
    /// Whether its card scores images (a face detector's card, `kind = "face-detector"`, finds
    /// faces instead: cli/tests/faces.rs compares it with its upstream).
    pub fn scores(&self) -> bool {
        self.card.get("kind").is_none()
    }
}

/// Every family the exporter knows, read from `dfbench_import.py list` with `python`.
pub fn exporter_families(python: &Path) -> Vec<FamilyLine> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("import/dfbench_import.py");
    let output = Command::new(python)
        .arg(script)
        .arg("list")
        .output()
        .expect("spawn python");
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("family line"))
        .collect()
}

/// What `dfbench import` must have produced for `family` from `weights` (and `encoder` for a
/// family released as two files): a card that loads, whose `[source]` names the family and the
/// checkpoint's (and encoder's) sha256, whose fingerprint the import printed, with the printed
/// parity of the saved model against the eager module within 1e-5 on a batch whose scores vary.
pub fn check_imported(
    family: &str,
    weights: &Path,
    encoder: Option<&Path>,
    out: &Path,
    stdout: &str,
) -> ResolvedCard {
    let card = ResolvedCard::load(&out.join("card.toml")).expect("the imported card loads");
    let source = card.card.source.clone().expect("[source]");
    assert_eq!(source.family, family);
    let sha256 = |path: &Path| hex::encode(Sha256::digest(std::fs::read(path).expect("read")));
    assert_eq!(source.checkpoint_sha256, sha256(weights));
    assert_eq!(source.encoder_sha256, encoder.map(sha256));
    assert_eq!(
        source.encoder,
        encoder
            .and_then(|path| path.file_name())
            .map(|name| name.to_string_lossy().into_owned())
    );
    assert!(stdout.contains(&card.fingerprint), "{stdout}");

    let parity = stdout
        .lines()
        .find(|line| line.trim_start().starts_with("parity"))
        .expect("parity line");
    let figure = |label: &str| -> f64 {
        let rest = &parity[parity.find(label).expect(label) + label.len()..];
        rest.trim_start()
            .split([',', ' '])
            .next()
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("no number after {label} in {parity}"))
    };
    assert!(figure("max |Δ output|") <= 1e-5, "{family}: {parity}");
    assert!(figure("max |Δ P(fake)|") <= 1e-5, "{family}: {parity}");
    // A saturated or constant model would pass the comparison without testing anything.
    let scores_line = stdout
        .lines()
        .find(|line| line.contains("check batch P(fake)"))
        .expect("check batch line");
    let scores: Vec<f64> = scores_line[scores_line.find('[').expect("[") + 1..]
        .trim_end_matches(']')
        .split(',')
        .map(|value| value.trim().parse().expect("score"))
        .collect();
    let spread = scores.iter().cloned().fold(f64::MIN, f64::max)
        - scores.iter().cloned().fold(f64::MAX, f64::min);
    assert!(spread > 1e-4, "{family}: scores barely vary: {scores:?}");
    card
}
