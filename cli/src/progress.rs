//! Following a run: consume `WatchRun` and draw a progress bar (hidden when not a terminal).

use anyhow::Context;
use dfbench_proto::v1::coordinator_client::CoordinatorClient;
use dfbench_proto::v1::{RunProgress, WatchRunRequest};
use indicatif::{ProgressBar, ProgressStyle};
use tonic::transport::Channel;

/// Follows `run_id` until it finishes and returns the last progress message.
pub async fn follow(
    client: &mut CoordinatorClient<Channel>,
    run_id: &str,
) -> anyhow::Result<RunProgress> {
    let mut stream = client
        .watch_run(WatchRunRequest {
            run_id: run_id.to_string(),
        })
        .await
        .context("cannot watch the run")?
        .into_inner();
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} predictions {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut last = None;
    while let Some(message) = stream
        .message()
        .await
        .context("lost the coordinator while watching the run")?
    {
        bar.set_length(message.predictions_expected);
        bar.set_position(message.predictions);
        bar.set_message(format!(
            "shards {}/{} failures {}",
            message.shards_done + message.shards_failed,
            message.shards_total,
            message.prediction_failures
        ));
        last = Some(message);
    }
    bar.finish_and_clear();
    last.context("the coordinator closed the progress stream without a status")
}
