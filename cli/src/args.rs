//! Argument groups shared by the commands: each option is declared once, here, and flattened
//! (`#[command(flatten)]`) into every command that opens the store or talks to a coordinator,
//! so their spelling, environment variable and help text cannot drift apart.

use anyhow::Context;
use dfbench_client::Client;
use std::sync::Arc;
use std::time::Duration;

/// The embedded default store: `./dfbench.db`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:dfbench.db";

/// Where the runs and predictions are stored.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct StoreArgs {
    /// Store: sqlite:PATH (embedded) or postgres://USER@HOST/DB [default: sqlite:dfbench.db]
    #[arg(long, env = "DFBENCH_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
}

impl StoreArgs {
    /// The URL given, or the embedded default.
    pub fn url(&self) -> &str {
        self.database_url.as_deref().unwrap_or(DEFAULT_DATABASE_URL)
    }

    /// Opens the store and says which URL failed when it cannot.
    pub async fn open(&self) -> anyhow::Result<Arc<dyn dfbench_store::Store>> {
        open_store(self.url()).await
    }

    /// Opens a store that must already exist, for commands that only read what runs stored
    /// (`runs`, `report`, `export`, …): a SQLite file that is not there is an error saying so,
    /// and is not created.
    pub async fn open_existing(&self) -> anyhow::Result<Arc<dyn dfbench_store::Store>> {
        if let Some(path) = sqlite_path(self.url())
            && !path.exists()
        {
            anyhow::bail!(
                "no database at {}: nothing was stored there yet; run `dfbench run SUITE` or \
                 `dfbench demo` first, or pass --database-url (or DFBENCH_DATABASE_URL) to \
                 the store your runs went to",
                path.display()
            );
        }
        self.open().await
    }
}

/// The file of a `sqlite:PATH` / `sqlite://PATH` URL (query options dropped); None for other
/// URLs and for in-memory databases.
fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// Opens the store at `url` and says which URL failed when it cannot.
pub async fn open_store(url: &str) -> anyhow::Result<Arc<dyn dfbench_store::Store>> {
    dfbench_store::open_store(url)
        .await
        .with_context(|| format!("cannot open the database {url}"))
}

/// How to reach a coordinator.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CoordinatorArgs {
    /// Coordinator URL, e.g. http://coordinator:50551 (https:// when it serves TLS)
    #[arg(long, env = "DFBENCH_COORDINATOR", value_name = "URL")]
    pub coordinator: Option<String>,
    /// Bearer token the coordinator requires (required beyond loopback)
    #[arg(long, env = "DFBENCH_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

impl CoordinatorArgs {
    /// The coordinator URL, for commands that cannot run without one.
    pub fn required_url(&self, command: &str) -> anyhow::Result<&str> {
        self.coordinator.as_deref().ok_or_else(|| {
            anyhow::anyhow!(
                "`dfbench {command}` needs a coordinator: pass --coordinator http://HOST:PORT \
                 or set DFBENCH_COORDINATOR"
            )
        })
    }

    /// Connects to `url` with this group's token.
    pub async fn connect(&self, url: &str) -> anyhow::Result<Client> {
        connect(url, self.token.as_deref()).await
    }
}

/// Connects to a coordinator, retrying for up to 10 seconds.
pub async fn connect(url: &str, token: Option<&str>) -> anyhow::Result<Client> {
    Ok(dfbench_client::connect(url, token, Duration::from_secs(10)).await?)
}

/// `--decode-budget`, shared by `worker` and (for its local workers) `run`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DecodeBudgetArgs {
    /// Decoded image memory a worker may hold for one shard (the chunk being scored and the
    /// one being decoded), e.g. 2GiB or 512MiB; 64MiB to 1TiB. Chunks are cut by the pixels
    /// their images' headers declare, so a larger budget lets larger images share a chunk.
    #[arg(
        long,
        env = "DFBENCH_DECODE_BUDGET",
        default_value = "1GiB",
        value_name = "SIZE"
    )]
    pub decode_budget: dfbench_worker::budget::DecodeBudget,
}

/// `--video-decoder`, shared by `worker` and (for its local workers) `prepare`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct VideoDecoderArgs {
    /// How prepare runs decode videos: `libav` (FFmpeg's libraries in this process; builds
    /// with the `libav` feature, where it is the default) or `ffmpeg-cli` (FFmpeg's CLI as a
    /// child process). Both give the same pixels; each video's record names its decoder.
    #[arg(
        long,
        env = "DFBENCH_VIDEO_DECODER",
        value_name = "libav|ffmpeg-cli",
        default_value_t = dfbench_worker::prepare::video::VideoDecoder::default()
    )]
    pub video_decoder: dfbench_worker::prepare::video::VideoDecoder,
}

/// `--video-aggregation`, shared by `report` and `compare`.
#[derive(Debug, Clone, clap::Args)]
pub struct VideoAggregationArgs {
    /// How a clip detector's clip scores make its video score: `mean` of the video's clips,
    /// `max`, or `dfb` (DeepfakeBench compatibility: its video metrics of clip models are the
    /// clip metrics). Video rows say which (`video`, `video-max`, `video-dfb`); any choice is
    /// recomputed from the stored clip scores.
    #[arg(long, default_value = "mean", value_parser = parse_video_aggregation)]
    pub video_aggregation: dfbench_reports::VideoAggregation,
}

fn parse_video_aggregation(text: &str) -> Result<dfbench_reports::VideoAggregation, String> {
    dfbench_reports::VideoAggregation::parse(text)
        .ok_or_else(|| format!("`{text}` is not an aggregation: use mean, max or dfb"))
}

/// `--check-references`, shared by `run` and `report`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ReferenceCheckArgs {
    /// Check the suite's published reference values (`[[reference]]`) against the run: print
    /// each with its measured value, Δ and mark, and exit 0 when all are reproduced (|Δ| ≤
    /// tolerance), 1 when any is not reproduced or has no measurement, 2 when the suite has no
    /// reference to check (or on an error).
    #[arg(long)]
    pub check_references: bool,
}

impl ReferenceCheckArgs {
    /// Fails when the flag is set and `suite` has nothing to check; says why.
    pub fn require_references(&self, suite: &dfbench_benchmarks::Suite) -> anyhow::Result<()> {
        if !self.check_references {
            return Ok(());
        }
        if suite.references.is_empty() {
            anyhow::bail!(
                "--check-references: suite `{}` has no [[reference]] entries, so there is nothing \
                 to check; add published values as [[reference]] tables (see the README, \
                 \"Reference values\") or drop the flag",
                suite.name
            );
        }
        if suite.active_references().is_empty() {
            anyhow::bail!(
                "--check-references: none of the {} [[reference]] entries of suite `{}` names one \
                 of its detectors ({}):\n  {}",
                suite.references.len(),
                suite.name,
                suite
                    .detectors
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                suite.reference_warnings().join("\n  ")
            );
        }
        Ok(())
    }
}
