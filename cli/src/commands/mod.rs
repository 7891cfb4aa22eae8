//! One module per subcommand.

pub mod bench;
pub mod cancel;
pub mod compare;
pub mod coordinator;
pub mod datasets;
pub mod demo;
pub mod export;
pub mod history;
pub mod promote;
pub mod report;
pub mod run;
pub mod runs;
pub mod status;
pub mod synth;
pub mod verify;
pub mod worker;

/// Default embedded store: `./dfbench.db`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:dfbench.db";

/// Opens the store and says which URL failed when it cannot.
pub async fn open_store(url: &str) -> anyhow::Result<std::sync::Arc<dyn dfbench_store::Store>> {
    use anyhow::Context;
    dfbench_store::open_store(url)
        .await
        .with_context(|| format!("cannot open the database {url}"))
}
