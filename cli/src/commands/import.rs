//! `dfbench import`: a released `.pth` checkpoint → `DIR/model.pt` (TorchScript, eval, frozen),
//! optionally `DIR/model.onnx`, and `DIR/card.toml` with the family's preprocessing and the
//! checkpoint's provenance. `--list` prints the families, `--keys` the keys and shapes a family
//! expects.
//!
//! The exporter is Python (cli/import/*.py, compiled into this binary and written to a temporary
//! folder at run time) run by the torch venv's python: building the family's module, strict
//! loading and tracing need PyTorch. Python stays an offline tool: the card is scored by dfbench's
//! own runtime. This module owns finding that python, running the exporter, turning its result
//! into a card, and checking the card loads. A face detector released as several nets (`mtcnn`)
//! takes `--weights FOLDER` and gets a face-detector card ([`faces`]).

mod faces;

use crate::commands::cards::describe_card;
use crate::output::outln;
use anyhow::{Context, bail};
use dfbench_benchmarks::card::{CardSource, DetectorCard, ResolvedCard};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};

/// The exporter's files, written next to each other so `dfbench_import.py` imports the rest.
const EXPORTER: [(&str, &str); 11] = [
    (
        "dfbench_import.py",
        include_str!("../../import/dfbench_import.py"),
    ),
    ("archive.py", include_str!("../../import/archive.py")),
    ("checkpoint.py", include_str!("../../import/checkpoint.py")),
    ("families.py", include_str!("../../import/families.py")),
    ("nets_dfb.py", include_str!("../../import/nets_dfb.py")),
    (
        "nets_dfb_detectors.py",
        include_str!("../../import/nets_dfb_detectors.py"),
    ),
    ("nets_video.py", include_str!("../../import/nets_video.py")),
    ("nets_npr.py", include_str!("../../import/nets_npr.py")),
    ("nets_clip.py", include_str!("../../import/nets_clip.py")),
    ("nets_mtcnn.py", include_str!("../../import/nets_mtcnn.py")),
    (
        "export_nets.py",
        include_str!("../../import/export_nets.py"),
    ),
];

/// Exit status of the exporter for a checkpoint that does not fit (its result file says why).
const EXIT_DOES_NOT_FIT: i32 = 3;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Detector family (`dfbench import --list` prints them).
    #[arg(long, required_unless_present = "list")]
    pub family: Option<String>,
    /// Released checkpoint: a `.pth` state dict (wrappers such as `state_dict`/`model` and the
    /// prefixes `module.`/`backbone.` are handled). For a family released as several nets
    /// (mtcnn), the folder holding them: facenet-pytorch's facenet_pytorch/data, with pnet.pt,
    /// rnet.pt and onet.pt.
    #[arg(long, value_name = "FILE.pth|DIR", required_unless_present_any = ["list", "keys"])]
    pub weights: Option<PathBuf>,
    /// The separately released encoder checkpoint, for families released as two files (univfd:
    /// --weights fc_weights.pth --encoder ViT-L-14.pt, OpenAI's TorchScript archive or a state
    /// dict). Other families refuse it.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["list", "keys"])]
    pub encoder: Option<PathBuf>,
    /// Folder to write model.pt and card.toml into (created when missing).
    #[arg(long, value_name = "DIR", required_unless_present_any = ["list", "keys"])]
    pub out: Option<PathBuf>,
    /// Device to trace on: cpu or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Also write model.onnx and onnx-card.toml (for `kind = "onnx"` detectors).
    #[arg(long)]
    pub onnx: bool,
    /// Print the families and exit.
    #[arg(long, conflicts_with_all = ["family", "weights", "out", "keys"])]
    pub list: bool,
    /// Print the state-dict keys and shapes --family expects (after prefix stripping) and exit.
    #[arg(long, conflicts_with_all = ["weights", "out"])]
    pub keys: bool,
    /// Python of the torch venv [default: $DFBENCH_TORCH_VENV/bin/python, else
    /// ~/.cache/dfbench/torch-venv/bin/python, as scripts/setup-torch.sh creates it]
    #[arg(long, env = "DFBENCH_TORCH_PYTHON", value_name = "PYTHON")]
    pub python: Option<PathBuf>,
}

pub async fn execute(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let exporter = Exporter::new(args.python.clone())?;
    if args.list {
        return list(&exporter);
    }
    let family = args.family.as_deref().unwrap_or_default();
    if args.keys {
        let output = exporter.run(&["keys".as_ref(), family.as_ref()])?;
        print!("{}", String::from_utf8_lossy(&output.stdout));
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(weights), Some(out)) = (&args.weights, &args.out) else {
        bail!("`dfbench import` needs --weights FILE.pth and --out DIR (or --list / --keys)");
    };
    import(&exporter, family, weights, out, &args)
}

fn list(exporter: &Exporter) -> anyhow::Result<ExitCode> {
    let output = exporter.run(&["list".as_ref()])?;
    outln!(
        "{:<16} {:<6} {:<14} {:<11} {:<14} summary",
        "family",
        "input",
        "interpolation",
        "output",
        "loader"
    );
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let family: FamilyLine = serde_json::from_str(line)
            .with_context(|| format!("the exporter printed an unreadable family line: {line}"))?;
        outln!(
            "{:<16} {:<6} {:<14} {:<11} {:<14} {}",
            family.name,
            family.card.input_size,
            family.card.interpolation,
            family.card.kind.as_deref().unwrap_or(&family.card.output),
            family.loader,
            family.summary
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn import(
    exporter: &Exporter,
    family: &str,
    weights: &Path,
    out: &Path,
    args: &ImportArgs,
) -> anyhow::Result<ExitCode> {
    if !weights.exists() {
        bail!("--weights {} does not exist", weights.display());
    }
    if let Some(encoder) = &args.encoder
        && !encoder.is_file()
    {
        bail!("--encoder {} is not a file", encoder.display());
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let result_path = exporter.dir.path().join("result.json");
    let mut export_args = vec![
        "export".as_ref(),
        family.as_ref(),
        weights.as_os_str(),
        out.as_os_str(),
        args.device.as_ref(),
        if args.onnx { "1" } else { "0" }.as_ref(),
        result_path.as_os_str(),
    ];
    if let Some(encoder) = &args.encoder {
        export_args.push(encoder.as_os_str());
    }
    let output = exporter.run_allowing(&export_args, &[EXIT_DOES_NOT_FIT])?;
    let text = std::fs::read_to_string(&result_path).with_context(|| {
        format!(
            "the exporter wrote no result ({})",
            exporter.describe(&output)
        )
    })?;
    let result: ExportResult = serde_json::from_str(&text)
        .with_context(|| format!("the exporter's result is unreadable: {text}"))?;
    if let Some(error) = result.error {
        bail!("cannot import {}: {error}", weights.display());
    }
    if let Some(nets) = result.nets {
        let card = result.card.context("the exporter's result has no card")?;
        faces::NetsResult { card, nets }.write_cards(family, weights, out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let source = CardSource {
        family: family.to_string(),
        checkpoint: weights
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default(),
        checkpoint_sha256: result.checkpoint_sha256.clone().unwrap_or_default(),
        encoder: args.encoder.as_ref().and_then(|encoder| {
            encoder
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
        }),
        encoder_sha256: result.encoder_sha256.clone(),
    };
    let card_value = result
        .card
        .clone()
        .context("the exporter's result has no card")?;
    let card_path = out.join("card.toml");
    write_card(&card_path, card_value.clone(), "model.pt", &source)?;
    let resolved = ResolvedCard::load(&card_path)?;
    if args.onnx {
        write_card(
            &out.join("onnx-card.toml"),
            card_value,
            "model.onnx",
            &source,
        )?;
    }
    print_summary(family, weights, &card_path, &resolved, &result);
    Ok(ExitCode::SUCCESS)
}

/// Writes `path` from the exporter's card fields, pointing at `model`, with `[source]`.
fn write_card(
    path: &Path,
    mut fields: serde_json::Value,
    model: &str,
    source: &CardSource,
) -> anyhow::Result<()> {
    if let Some(object) = fields.as_object_mut() {
        object.insert("model".into(), model.into());
    }
    let mut card: DetectorCard = serde_json::from_value(fields)
        .context("the exporter's card fields do not form a valid card")?;
    card.source = Some(source.clone());
    let header = format!(
        "# Written by `dfbench import --family {}` from {} (sha256 {}).\n\
         # Preprocessing is the family's upstream test loader (REFERENCE §4); edit with care.\n",
        source.family, source.checkpoint, source.checkpoint_sha256
    );
    let body = toml::to_string(&card).context("cannot serialise the card")?;
    std::fs::write(path, header + &body).with_context(|| format!("cannot write {}", path.display()))
}

fn print_summary(
    family: &str,
    weights: &Path,
    card_path: &Path,
    resolved: &ResolvedCard,
    result: &ExportResult,
) {
    outln!(
        "imported {} as `{family}` (checkpoint sha256 {})",
        weights.display(),
        result.checkpoint_sha256.as_deref().unwrap_or("?")
    );
    if let Some(load) = &result.load {
        outln!(
            "  checkpoint  {} tensors, unwrapped [{}], stripped prefixes [{}]",
            load.tensors,
            load.unwrapped.join(", "),
            load.stripped_prefixes.join(", ")
        );
    }
    if let Some(parity) = &result.parity {
        outln!(
            "  parity      saved model.pt vs the eager module, batch {}: max |Δ output| {:.3e}, \
             max |Δ P(fake)| {:.3e}, output shape {:?}",
            parity.batch,
            parity.max_abs_output,
            parity.max_abs_probability,
            parity.output_shape
        );
        outln!("  check batch P(fake) {:?}", parity.p_fake);
    }
    outln!("  card        {}", card_path.display());
    describe_card(resolved);
    outln!(
        "next: `dfbench cards check {}`, then add to a suite:\n  [[detectors]]\n  name = \"{family}\"\n  kind = \"torchscript\"\n  card = \"{}\"",
        card_path.display(),
        card_path.display()
    );
}

/// The exporter written to a temporary folder, and the python that runs it.
struct Exporter {
    python: PathBuf,
    dir: tempfile::TempDir,
}

impl Exporter {
    fn new(python: Option<PathBuf>) -> anyhow::Result<Exporter> {
        let python = python.unwrap_or_else(default_python);
        if !python.exists() {
            bail!(
                "no torch python at {}: `dfbench import` runs its exporter with PyTorch. Run \
                 `eval \"$(scripts/setup-torch.sh)\"` (creates the venv and sets \
                 DFBENCH_TORCH_PYTHON), or pass --python PATH to a python with torch and torchvision",
                python.display()
            );
        }
        let dir = tempfile::Builder::new()
            .prefix("dfbench-import")
            .tempdir()
            .context("cannot create a temporary folder for the exporter")?;
        for (name, text) in EXPORTER {
            std::fs::write(dir.path().join(name), text)
                .with_context(|| format!("cannot write the exporter file {name}"))?;
        }
        Ok(Exporter { python, dir })
    }

    fn run(&self, args: &[&std::ffi::OsStr]) -> anyhow::Result<Output> {
        self.run_allowing(args, &[])
    }

    /// Runs the exporter; a failure other than the exit codes in `allowed` is an error carrying
    /// the end of its stderr.
    fn run_allowing(&self, args: &[&std::ffi::OsStr], allowed: &[i32]) -> anyhow::Result<Output> {
        let output = Command::new(&self.python)
            .arg(self.dir.path().join("dfbench_import.py"))
            .args(args)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .with_context(|| format!("cannot start {}", self.python.display()))?;
        let code = output.status.code();
        if output.status.success() || code.is_some_and(|code| allowed.contains(&code)) {
            return Ok(output);
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("No module named 'torch") {
            bail!(
                "{} has no torch/torchvision: run `eval \"$(scripts/setup-torch.sh)\"` or pass \
                 --python PATH to the torch venv's python",
                self.python.display()
            );
        }
        bail!("the exporter failed: {}", self.describe(&output))
    }

    fn describe(&self, output: &Output) -> String {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!(
            "{} exited with {}:\n{}",
            self.python.display(),
            output.status,
            tail.join("\n")
        )
    }
}

/// `$DFBENCH_TORCH_VENV/bin/python`, else the default venv of scripts/setup-torch.sh.
fn default_python() -> PathBuf {
    if let Some(venv) = std::env::var_os("DFBENCH_TORCH_VENV") {
        return PathBuf::from(venv).join("bin/python");
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".cache/dfbench/torch-venv/bin/python")
}

#[derive(Debug, serde::Deserialize)]
struct FamilyLine {
    name: String,
    summary: String,
    /// The upstream test loader the card reproduces (families.py LOADERS).
    #[serde(default)]
    loader: String,
    card: FamilyCard,
}

/// What `--list` shows of a family's card; a face detector's card has no input size,
/// interpolation or output (its kind is shown instead).
#[derive(Debug, serde::Deserialize)]
struct FamilyCard {
    #[serde(default)]
    input_size: u32,
    #[serde(default)]
    interpolation: String,
    #[serde(default)]
    output: String,
    #[serde(default)]
    kind: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
struct ExportResult {
    error: Option<String>,
    card: Option<serde_json::Value>,
    checkpoint_sha256: Option<String>,
    encoder_sha256: Option<String>,
    parity: Option<Parity>,
    load: Option<LoadNotes>,
    /// Present for a family released as several nets (a face detector).
    nets: Option<std::collections::BTreeMap<String, faces::NetFiles>>,
}

#[derive(Debug, serde::Deserialize)]
struct Parity {
    batch: u32,
    max_abs_output: f64,
    max_abs_probability: f64,
    output_shape: Vec<i64>,
    p_fake: Vec<f64>,
}

#[derive(Debug, serde::Deserialize)]
struct LoadNotes {
    unwrapped: Vec<String>,
    stripped_prefixes: Vec<String>,
    tensors: usize,
}
