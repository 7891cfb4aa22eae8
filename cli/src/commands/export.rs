//! `dfbench export --run ID --out FILE.csv`: one row per stored prediction, then one per stored
//! clip outcome of the run's clip detectors (`sample_path` names the clip and its frames,
//! `video#clipN:FIRST-LAST`, and `clip_index` is set).

use crate::args::StoreArgs;
use crate::refs::resolve_run_ref;
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Run: an id, a unique id prefix, latest[:NAME], latest-good[:NAME] or tag:X.
    #[arg(long)]
    pub run: String,
    /// CSV file to write.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Column order of the export; `score` is empty for failures, `failure` empty for scores,
/// `clip_index` empty for per-sample predictions.
pub const HEADER: [&str; 12] = [
    "run",
    "detector",
    "dataset",
    "perturbation",
    "sample_path",
    "video_key",
    "label",
    "method",
    "score",
    "failure",
    "failure_message",
    "clip_index",
];

pub async fn execute(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open_existing().await?;
    let run_id = resolve_run_ref(store.as_ref(), &args.run).await?;
    store.run(&run_id).await?;
    let (_, records) = crate::reporting::load(store.as_ref(), &run_id.0).await?;
    let mut writer = csv::Writer::from_path(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    writer.write_record(HEADER)?;
    for record in &records {
        let score = record
            .score
            .map(|score| score.to_string())
            .unwrap_or_default();
        let clip = record
            .clip_index
            .map(|index| index.to_string())
            .unwrap_or_default();
        writer.write_record([
            run_id.0.as_str(),
            &record.detector,
            &record.dataset,
            &record.perturbation,
            &record.rel_path,
            &record.video_key,
            &record.label.to_string(),
            &record.method,
            &score,
            record
                .failure_kind
                .as_ref()
                .map_or("", |kind| kind.as_str()),
            record.failure_message.as_deref().unwrap_or(""),
            &clip,
        ])?;
    }
    writer
        .flush()
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    let clips = records.iter().filter(|r| r.clip_index.is_some()).count();
    eprintln!(
        "exported {} predictions and {clips} clip outcomes to {}",
        records.len() - clips,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
