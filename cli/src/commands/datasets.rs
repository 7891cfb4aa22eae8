//! `dfbench datasets check SUITE|PATH`: enumerate a suite's datasets (or one dataset folder /
//! manifest) exactly as a run would, then print per split × label × method counts, missing
//! files, duplicate paths, label-map problems and images that do not decode. Sets the suite
//! marks `absent` are listed as absent with their reason (not read, not a problem). Exits 1 when
//! any dataset has a problem, so it can gate a run in CI or a Slurm script. A suite's own
//! problems (unknown fields, bad values) are listed first and its datasets are checked anyway.

mod clips;

use crate::output::outln;

use anyhow::Context;
use dfbench_benchmarks::adapter::{self, df40};
use dfbench_benchmarks::check::DatasetCheck;
use dfbench_benchmarks::{DataRoots, DatasetSpec, Suite};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, clap::Subcommand)]
pub enum DatasetsCommand {
    /// Check a suite's datasets, or one dataset folder / CSV manifest / DFB JSON.
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// A suite (.toml), a dataset folder (format detected), a CSV manifest or a DFB JSON.
    pub target: PathBuf,
    /// As for `dfbench run`: PATH for the default root, NAME=PATH for a named root. For a DFB
    /// JSON target the default root is the rgb folder its paths point into.
    #[arg(long = "data-root")]
    pub data_roots: Vec<String>,
    /// Format of a PATH target (default: detected from its layout).
    #[arg(long)]
    pub format: Option<String>,
    /// Test sets of a PATH target (repeat); default: every set found.
    #[arg(long = "set")]
    pub sets: Vec<String>,
    /// Only check that files exist (what the planner does), without decoding them.
    #[arg(long)]
    pub no_decode: bool,
    /// Read files and folders of a PATH target reached through symlinks leading out of it
    /// (refused by default; a suite says `follow_symlinks = true` on the dataset instead).
    #[arg(long)]
    pub follow_symlinks: bool,
}

pub fn execute(command: DatasetsCommand) -> anyhow::Result<ExitCode> {
    match command {
        DatasetsCommand::Check(args) => check(args),
    }
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let (default_root, named) = parse_data_roots(&args.data_roots)?;
    let is_suite = args.target.extension().is_some_and(|ext| ext == "toml");
    // Which frames are checked: the union of what the suite's image and clip detectors read
    // (a bare dataset: what image detectors read). Suite problems (unknown fields included) are
    // printed first and the datasets are still checked, so one pass shows every problem.
    let mut suite_problems = Vec::new();
    let (specs, roots, readers, has_image) = if is_suite {
        let (suite, problems) = Suite::load_lenient(&args.target)?;
        if !problems.is_empty() {
            outln!(
                "suite {} has {} problem(s):\n  - {}\n",
                args.target.display(),
                problems.len(),
                problems.join("\n  - ")
            );
        }
        suite_problems = problems;
        let roots = DataRoots::for_suite(&default_root, &suite.roots, &named);
        let readers = clips::readers(&suite, &default_root);
        let has_image = suite.detectors.len() > readers.len();
        (suite.datasets, roots, readers, has_image)
    } else {
        let spec = spec_for_path(&args, &default_root)?;
        let mut roots = DataRoots::new(&default_root);
        roots.named = named;
        (vec![spec], roots, Vec::new(), true)
    };
    let started = Instant::now();
    let (mut checked, mut failed) = (0usize, 0usize);
    let mut absent = Vec::new();
    for spec in &specs {
        let enumeration = match adapter::enumerate(spec, &roots) {
            Ok(enumeration) => enumeration,
            Err(error) => {
                outln!("dataset {}: ERROR {error}\n", spec.name);
                failed += 1;
                continue;
            }
        };
        for problem in &enumeration.label_problems {
            outln!("label problem: {problem}");
        }
        for note in &enumeration.notes {
            outln!("note: {note}\n");
        }
        for set in &enumeration.absent {
            outln!(
                "dataset {}: ABSENT ({}): marked `absent` in the suite; not read, not scored\n",
                set.dataset,
                set.reason
            );
        }
        absent.extend(enumeration.absent);
        let label_failure = !enumeration.label_problems.is_empty();
        for dataset in enumeration.datasets {
            let dataset = &dataset.keep_readers(has_image, !readers.is_empty());
            let result = DatasetCheck::run(dataset, !args.no_decode);
            outln!("{}", result.render());
            if !readers.is_empty() {
                outln!("{}\n", clips::render(dataset, &readers));
            }
            checked += 1;
            if result.has_errors() || label_failure {
                failed += 1;
            }
        }
    }
    let absent_note = if absent.is_empty() {
        String::new()
    } else {
        let listed: Vec<String> = absent
            .iter()
            .map(|set| format!("{} ({})", set.dataset, set.reason))
            .collect();
        format!("; {} absent: {}", absent.len(), listed.join(", "))
    };
    let suite_note = if suite_problems.is_empty() {
        String::new()
    } else {
        format!(
            "; the suite itself has {} problem(s), listed first",
            suite_problems.len()
        )
    };
    outln!(
        "checked {checked} dataset(s) in {:.1}s: {}{absent_note}{suite_note}",
        started.elapsed().as_secs_f64(),
        match (failed, suite_problems.is_empty()) {
            (0, true) => "all good".to_string(),
            (0, false) => "no dataset problems".to_string(),
            (failed, _) => format!("{failed} with problems"),
        }
    );
    Ok(if failed == 0 && suite_problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `--data-root` values: the default root (a bare PATH, default the current folder) and named
/// roots (NAME=PATH), all made absolute.
fn parse_data_roots(values: &[String]) -> anyhow::Result<(PathBuf, BTreeMap<String, PathBuf>)> {
    let mut default_root = None;
    let mut named = BTreeMap::new();
    for value in values {
        match value.split_once('=') {
            Some((name, path)) if !name.is_empty() && !name.contains('/') => {
                named.insert(name.to_string(), absolute(Path::new(path))?);
            }
            _ => {
                if default_root.replace(absolute(Path::new(value))?).is_some() {
                    anyhow::bail!("--data-root PATH given twice; use NAME=PATH for named roots");
                }
            }
        }
    }
    let default_root = match default_root {
        Some(root) => root,
        None => std::env::current_dir().context("cannot read the current folder")?,
    };
    Ok((default_root, named))
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    path.canonicalize().with_context(|| {
        format!(
            "data root {} does not exist; fix --data-root",
            path.display()
        )
    })
}

/// A dataset entry for a PATH target, its format given or detected.
fn spec_for_path(args: &CheckArgs, default_root: &Path) -> anyhow::Result<DatasetSpec> {
    let target = absolute(&args.target)?;
    let name = target
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or("dataset")
        .to_string();
    let format = match &args.format {
        Some(format) => format.clone(),
        None => detect_format(&target).with_context(|| {
            format!(
                "cannot tell the layout of {}; pass --format (one of {})",
                target.display(),
                dfbench_benchmarks::suite::DATASET_FORMATS.join(", ")
            )
        })?,
    };
    let is_file = target.is_file();
    let root = if is_file && format == "dfb-json" {
        default_root.to_path_buf()
    } else if is_file {
        target.parent().unwrap_or(&target).to_path_buf()
    } else {
        target.clone()
    };
    let mut spec = DatasetSpec::new(&name, &format, &root);
    spec.sets = args.sets.clone();
    spec.follow_symlinks = args.follow_symlinks;
    if matches!(format.as_str(), "dfb-json" | "ffpp" | "df40" | "csv") {
        spec.frames = Some(dfbench_benchmarks::adapter::frames::FrameSelection::All);
    }
    match format.as_str() {
        "csv" if is_file => spec.manifest = Some(target.display().to_string()),
        "dfb-json" => {
            let dir = target.parent().unwrap_or(&target);
            spec.json_dir = Some(dir.display().to_string());
            if spec.sets.is_empty() {
                spec.sets = vec![name.clone()];
            }
        }
        "df40" if spec.sets.is_empty() => spec.sets = df40_sets_present(&target),
        "ffpp" if spec.sets.is_empty() => spec.sets = ffpp_sets_present(&target),
        "dire" => {
            let tree = ["images", "dire", "recons"]
                .into_iter()
                .find(|tree| target.join(tree).is_dir());
            spec.tree = tree.map(str::to_string);
        }
        _ => {}
    }
    Ok(spec)
}

fn detect_format(target: &Path) -> Option<String> {
    let has = |name: &str| target.join(name).exists();
    let format = match target.extension().and_then(|ext| ext.to_str()) {
        Some("csv") => "csv",
        Some("json") => "dfb-json",
        _ if has("original_sequences") || has("manipulated_sequences") => "ffpp",
        _ if has("DF40") => "df40",
        _ if has("images") || has("dire") || has("recons") => "dire",
        _ if has("manifest.csv") => "csv",
        _ if has("checksums.csv") || has("corrupted_files") || has("improper_png_header") => {
            "genimage"
        }
        _ if contains_label_dir(&target.join("test"), 1) => "aigibench",
        _ if contains_label_dir(target, 0) => "cnnspot",
        _ if has_real_fake_sets(target) => "community-forensics",
        _ => return None,
    };
    Some(format.to_string())
}

fn contains_label_dir(dir: &Path, depth: usize) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let path = entry.path();
        let name = entry.file_name();
        path.is_dir()
            && (name == "0_real"
                || name == "1_fake"
                || (depth < 2 && contains_label_dir(&path, depth + 1)))
    })
}

/// Whether a sub-folder of `dir` holds `real` or `fake` (Community Forensics' layout).
fn has_real_fake_sets(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries
        .flatten()
        .any(|entry| entry.path().join("real").is_dir() || entry.path().join("fake").is_dir())
}

/// FF++ sets (c23, and `_c40`) whose folders exist under an FF++ root.
fn ffpp_sets_present(root: &Path) -> Vec<String> {
    let mut sets = Vec::new();
    for (compression, suffix) in [("c23", ""), ("c40", "_c40")] {
        let needs = [
            ("FaceForensics++", "original_sequences/youtube"),
            ("FaceShifter", "manipulated_sequences/FaceShifter"),
            (
                "DeepFakeDetection",
                "manipulated_sequences/DeepFakeDetection",
            ),
        ];
        for (set, folder) in needs {
            if root.join(folder).join(compression).is_dir() {
                sets.push(format!("{set}{suffix}"));
            }
        }
    }
    sets
}

/// DF40 sets whose folders exist under `<root>/DF40`.
fn df40_sets_present(root: &Path) -> Vec<String> {
    let base = root.join("DF40");
    let mut sets = Vec::new();
    for (method, _) in df40::KNOWN_METHODS {
        for domain in ["ff", "cdf"] {
            if base.join(method).join(domain).is_dir() {
                sets.push(format!("{method}_{domain}"));
            }
        }
    }
    for (set, folder) in df40::UNKNOWN_SETS {
        if base.join(folder).is_dir() {
            sets.push(set.to_string());
        }
    }
    sets
}
