//! `dfbench demo`: the README's one-command demo. Writes the demo data into `./demo-data` when
//! it is absent, then runs `benchmarks/suites/quickstart.toml` locally on SQLite.
//! `dfbench demo --preset univfd` runs the suite's still-image part over a perturbation preset
//! (UnivFD's JPEG and blur grids; `aigcdb` for AIGCDetectBenchmark's), see
//! `dfbench_benchmarks::perturb::grid`.

use super::run::{RunArgs, execute as run};
use dfbench_benchmarks::perturb::grid::PRESETS;
use std::path::PathBuf;
use std::process::ExitCode;

/// The quickstart suite, compiled in so the demo works from any folder.
pub(crate) const QUICKSTART: &str = include_str!("../../../benchmarks/suites/quickstart.toml");

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Local worker tasks.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// Perturbation preset to run the demo over, e.g. `univfd` (default: clean images only).
    #[arg(long)]
    pub preset: Option<String>,
}

/// The line of the quickstart suite a preset replaces.
const CLEAN_ONLY: &str = "perturbations = [\"none\"]";

/// Where the quickstart suite's video part starts: a preset (a robustness grid over the still
/// images) runs the part before it only.
const VIDEO_PART: &str = "# --- Videos";

/// The suite text and run name of the demo, with `preset` when given.
fn demo_suite(preset: Option<&str>) -> anyhow::Result<(String, String)> {
    let Some(preset) = preset else {
        return Ok((QUICKSTART.to_string(), "demo".to_string()));
    };
    let presets: Vec<&str> = PRESETS.iter().map(|(name, _)| *name).collect();
    anyhow::ensure!(
        presets.contains(&preset),
        "unknown perturbation preset `{preset}`: use one of {}",
        presets.join(", ")
    );
    anyhow::ensure!(
        QUICKSTART.contains(CLEAN_ONLY),
        "the compiled-in quickstart suite has no `{CLEAN_ONLY}` line to replace"
    );
    let images_only = QUICKSTART.split(VIDEO_PART).next().unwrap_or(QUICKSTART);
    let text = images_only.replace(
        CLEAN_ONLY,
        &format!("perturbations = [\"preset:{preset}\"]"),
    );
    Ok((text, format!("demo-{preset}")))
}

pub async fn execute(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let (suite_text, name) = demo_suite(args.preset.as_deref())?;
    let data = PathBuf::from("demo-data");
    if !data.join("cnnspot").is_dir() {
        let summary = dfbench_benchmarks::synth::write_demo_dataset(&data)?;
        eprintln!(
            "wrote {} demo images under {}",
            summary.images,
            summary.root.display()
        );
    }
    let suite = match &args.preset {
        None => data.join("quickstart.toml"),
        Some(preset) => data.join(format!("quickstart-{preset}.toml")),
    };
    std::fs::write(&suite, suite_text)?;
    run(RunArgs {
        suite,
        coordinator: Default::default(),
        workers: args.workers,
        chunk_delay_ms: 0,
        store: Default::default(),
        data_roots: Vec::new(),
        allow_missing: false,
        name,
        tags: Vec::new(),
        no_reuse: false,
        hash_contents: false,
        limit: None,
        fraction: None,
        seed: 0,
        out: PathBuf::from("reports-out"),
        references: Default::default(),
        decode_budget: Default::default(),
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_replace_the_clean_only_line() {
        let (plain, name) = demo_suite(None).expect("plain demo");
        assert_eq!((plain.as_str(), name.as_str()), (QUICKSTART, "demo"));
        let (text, name) = demo_suite(Some("univfd")).expect("univfd");
        assert_eq!(name, "demo-univfd");
        let suite = dfbench_benchmarks::Suite::parse(&text, "demo").expect("valid suite");
        assert_eq!(suite.perturbations.len(), 13);
        let names: Vec<&str> = suite.datasets.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["demo"], "a preset runs the still images only");
        assert!(suite.detectors.iter().all(|d| d.name != "temporal"));
        let plain = dfbench_benchmarks::Suite::parse(&plain, "demo").expect("valid suite");
        assert_eq!(plain.datasets.len(), 2, "the plain demo has the videos");
        let error = demo_suite(Some("imagenet-c")).expect_err("unknown preset");
        assert!(error.to_string().contains("univfd, aigcdb"), "{error}");
    }
}
