//! `dfbench import` end to end (issue 18): per family, the golden key manifest (derived from the
//! upstream definition, cli/tests/fixtures/import/*.keys) equals the exporter's full-size module
//! `state_dict` (names, shapes, order; no forward pass). Every family's release-layout import
//! (card, `[source]` hashes, the printed parity) is checked once, in import_parity.rs (torch+onnx
//! build), which imports each family anyway. Checkpoints with a renamed key or a changed shape
//! are refused naming the key; a DataParallel `module.` prefix is accepted; `--onnx` adds an ONNX
//! model and its card. `dfbench cards check` describes the imported card and, in a torch build,
//! scores a synthetic batch.
//!
//! Needs the torch venv's python (`DFBENCH_TORCH_PYTHON`, else the default venv of
//! scripts/setup-torch.sh). Without it the tests print "SKIPPED" and pass, unless
//! `DFBENCH_REQUIRE_TORCH=1` (CI).

mod import_support;
mod support;

use dfbench_benchmarks::card::ResolvedCard;
use import_support::*;
use std::path::Path;
use support::dfbench;

fn families(python: &Path) -> Vec<String> {
    let output = import(python, &["--list"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().next().map(str::to_string))
        .collect()
}

#[test]
fn every_family_has_a_manifest_equal_to_its_full_size_module() {
    let Some(python) = torch_python() else { return };
    let families = families(&python);
    assert!(families.len() >= 6, "{families:?}");
    for family in &families {
        let manifest = std::fs::read_to_string(manifest_path(family))
            .unwrap_or_else(|error| panic!("no golden manifest for `{family}`: {error}"));
        let expected: Vec<&str> = manifest.lines().filter(|l| !l.starts_with('#')).collect();
        let output = import(&python, &["--family", family, "--keys"]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        let actual = text(&output.stdout);
        let actual: Vec<&str> = actual.lines().collect();
        let first_difference = expected.iter().zip(&actual).position(|(a, b)| a != b);
        assert!(
            expected == actual,
            "{family}: manifest has {} keys, the module {}; first difference at line {:?}",
            expected.len(),
            actual.len(),
            first_difference.map(|index| (expected[index], actual[index]))
        );
        println!(
            "{family}: {} keys and shapes equal the manifest",
            actual.len()
        );
    }
}

/// UnivFD is released as two files: the probe (--weights) and OpenAI's CLIP encoder (--encoder, a
/// float16 TorchScript archive with a text tower). Without --encoder the import is refused naming
/// the flag, and a one-file family refuses --encoder. (The two-file import itself, with both
/// hashes in `[source]`, is checked with every other family's in import_parity.rs.)
#[test]
fn univfd_without_encoder_and_encoder_for_a_one_file_family_are_refused() {
    let Some(python) = torch_python() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let weights = dir.path().join("w.pth");
    std::fs::write(&weights, b"not read").expect("weights");
    let out = dir.path().join("out");
    let base = [
        "--weights",
        weights.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ];
    let output = import_at(
        &python,
        Size::Reduced,
        &[&["--family", "univfd"], &base[..]].concat(),
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("released as two files") && stderr.contains("--encoder is missing"),
        "{stderr}"
    );
    let encoder = weights.to_str().expect("utf-8");
    let output = import(
        &python,
        &[&["--family", "meso4", "--encoder", encoder], &base[..]].concat(),
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--encoder is not used by family `meso4`")
            && stderr.contains("(--encoder is for univfd)"),
        "{stderr}"
    );
    assert!(!out.join("card.toml").exists());
}

fn refused(python: &Path, dir: &Path, family: &str, variant: &str) -> (String, String) {
    let (weights, key) = checkpoint(python, dir, family, variant);
    let out = dir.join(format!("out-{variant}"));
    let output = import(
        python,
        &[
            "--family",
            family,
            "--weights",
            weights.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
        ],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{variant}: {stderr}");
    assert!(
        !out.join("model.pt").exists(),
        "{variant}: a model was written"
    );
    assert!(
        !out.join("card.toml").exists(),
        "{variant}: a card was written"
    );
    // The manifest names the key after the release prefix; errors name it after stripping.
    let key = key.trim_start_matches("backbone.").to_string();
    (stderr, key)
}

#[test]
fn renamed_key_and_changed_shape_are_refused_naming_the_key() {
    let Some(python) = torch_python() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let (stderr, key) = refused(&python, dir.path(), "xception", "renamed");
    assert!(
        stderr.contains(&format!("1 missing key(s): {key}"))
            && stderr.contains(&format!("1 unexpected key(s): {key}_renamed")),
        "{stderr}"
    );
    let (stderr, key) = refused(&python, dir.path(), "xception", "reshaped");
    assert!(
        stderr.contains(&format!("shape mismatch: {key} is [33, 3, 3, 3]"))
            && stderr.contains("[32, 3, 3, 3] in xception"),
        "{stderr}"
    );
    println!("{stderr}");
}

#[test]
fn module_prefix_is_accepted_onnx_is_written_and_cards_check_describes_the_card() {
    let Some(python) = torch_python() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let (weights, _) = checkpoint(&python, dir.path(), "meso4", "module-prefix");
    let out = dir.path().join("meso4");
    let output = import(
        &python,
        &[
            "--family",
            "meso4",
            "--weights",
            weights.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
            "--onnx",
        ],
    );
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        stdout.contains("stripped prefixes [module., backbone.]"),
        "{stdout}"
    );
    let card = ResolvedCard::load(&out.join("card.toml")).expect("card");
    let onnx = ResolvedCard::load(&out.join("onnx-card.toml")).expect("onnx card");
    assert_eq!(onnx.card.model, out.join("model.onnx"));
    assert_eq!(onnx.card.source, card.card.source);

    let check = dfbench()
        .args(["cards", "check"])
        .arg(&out)
        .output()
        .expect("spawn dfbench");
    let report = text(&check.stdout);
    assert!(check.status.success(), "{report}\n{}", text(&check.stderr));
    println!("{report}");
    for expected in [
        "resize to 256x256; interpolation opencv:cubic",
        "half mean [0.5, 0.5, 0.5] std [0.5, 0.5, 0.5]; channel order rgb",
        "two-class",
        "source      family meso4",
        card.fingerprint.as_str(),
    ] {
        assert!(
            report.contains(expected),
            "missing {expected:?} in\n{report}"
        );
    }
    if cfg!(feature = "torch") {
        assert!(
            report.contains("input [4, 3, 256, 256]") && report.contains("accepted as two-class"),
            "{report}"
        );
    } else {
        assert!(
            report.contains("needs a build with `--features torch`"),
            "{report}"
        );
    }
}

/// The same checkpoint imported twice gives the same model bytes, hence the same fingerprint.
#[test]
fn reimport_gives_the_same_fingerprint() {
    let Some(python) = torch_python() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let (weights, _) = checkpoint(&python, dir.path(), "meso4Inception", "exact");
    let fingerprints: Vec<String> = ["a", "b"]
        .iter()
        .map(|name| {
            let out = dir.path().join(name);
            let output = import(
                &python,
                &[
                    "--family",
                    "meso4Inception",
                    "--weights",
                    weights.to_str().expect("utf-8"),
                    "--out",
                    out.to_str().expect("utf-8"),
                ],
            );
            assert!(output.status.success(), "{}", text(&output.stderr));
            ResolvedCard::load(&out.join("card.toml"))
                .expect("card")
                .fingerprint
        })
        .collect();
    assert_eq!(fingerprints[0], fingerprints[1]);
}

#[test]
fn missing_torch_python_names_the_setup_script() {
    let output = dfbench()
        .args(["import", "--list", "--python", "/nonexistent/python"])
        .output()
        .expect("spawn dfbench");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no torch python at /nonexistent/python")
            && stderr.contains("scripts/setup-torch.sh"),
        "{stderr}"
    );
}

#[test]
fn unknown_family_lists_the_known_ones() {
    let Some(python) = torch_python() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let weights = dir.path().join("w.pth");
    std::fs::write(&weights, b"not read").expect("weights");
    let output = import(
        &python,
        &[
            "--family",
            "xceptoin",
            "--weights",
            weights.to_str().expect("utf-8"),
            "--out",
            dir.path().join("out").to_str().expect("utf-8"),
        ],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown family `xceptoin`") && stderr.contains("cnnspot, xception"),
        "{stderr}"
    );
}

/// DeepfakeBench's clip detectors (i3d; altfreezing shares the card): the imported card takes
/// 16-frame clips of 224² frames as B × T × C × H × W (the detectors permute to B × C × T × H × W
/// themselves, and so does the exported module) and reads one probability per clip (the SlowFast
/// head's sigmoid), with DeepfakeBench's per-frame loader.
#[test]
fn i3d_card_is_a_btchw_probability_clip_card() {
    use dfbench_benchmarks::card::OutputKind;
    use dfbench_benchmarks::card::clip::{ClipLayout, InputKind};
    let Some(python) = torch_python() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let golden = std::fs::read_to_string(manifest_path("i3d")).expect("golden manifest");
    let keys = import_at(&python, Size::Reduced, &["--family", "i3d", "--keys"]);
    assert!(keys.status.success(), "{}", text(&keys.stderr));
    let header: String = golden
        .lines()
        .filter(|line| line.starts_with('#'))
        .map(|line| format!("{line}\n"))
        .collect();
    let manifest = dir.path().join("i3d.keys");
    std::fs::write(&manifest, header + &text(&keys.stdout)).expect("write manifest");
    let (weights, _) = checkpoint_from(&python, dir.path(), &manifest, Size::Reduced, "exact");
    let out = dir.path().join("card");
    let output = import_at(
        &python,
        Size::Reduced,
        &[
            "--family",
            "i3d",
            "--weights",
            weights.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
        ],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let card = ResolvedCard::load(&out.join("card.toml")).expect("the imported card loads");
    let card = card.card;
    assert_eq!(card.input, InputKind::Clip);
    assert_eq!(card.clip_size, Some(16));
    assert_eq!(card.layout, Some(ClipLayout::Btchw));
    assert_eq!(card.output, OutputKind::Probability);
    assert_eq!(card.input_size, 224);
    assert_eq!(card.normalize.as_deref(), Some("half"));
    assert!(
        text(&output.stdout).contains("output shape [3, 1]"),
        "{}",
        text(&output.stdout)
    );
}
