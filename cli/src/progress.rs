//! Following a run: consume `WatchRun` and draw a progress bar (hidden when not a terminal).
//! When the coordinator restarts mid-run, the watch reconnects with backoff and carries on.

use anyhow::Context;
use dfbench_client::{Client, is_transient};
use dfbench_proto::v1::{RunProgress, WatchRunRequest};
use indicatif::{ProgressBar, ProgressStyle};
use std::time::Duration;

/// How long to keep trying to reach a coordinator that went away mid-run.
const RECONNECT_PATIENCE: Duration = Duration::from_secs(180);

/// Follows `run_id` until it finishes and returns the last progress message.
pub async fn follow(client: &mut Client, run_id: &str) -> anyhow::Result<RunProgress> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} predictions {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut last: Option<RunProgress> = None;
    let mut lost_since: Option<tokio::time::Instant> = None;
    // Reconnect attempts back off (0.5 s doubling to 4 s, with jitter); one log line a second
    // at most.
    let mut attempt = 0u32;
    let mut logged: Option<tokio::time::Instant> = None;
    loop {
        match watch_once(client, run_id, &bar, &mut last).await {
            Ok(()) => break,
            Err(status) if is_transient(&status) => {
                let since = *lost_since.get_or_insert_with(tokio::time::Instant::now);
                if since.elapsed() > RECONNECT_PATIENCE {
                    bar.finish_and_clear();
                    anyhow::bail!(
                        "lost the coordinator while watching run {run_id} and could not reconnect for {}s: {}",
                        RECONNECT_PATIENCE.as_secs(),
                        status.message()
                    );
                }
                if logged.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
                    tracing::warn!(%status, "lost the coordinator, reconnecting");
                    logged = Some(tokio::time::Instant::now());
                }
                tokio::time::sleep(reconnect_delay(attempt)).await;
                attempt = attempt.saturating_add(1);
            }
            Err(status) => {
                bar.finish_and_clear();
                anyhow::bail!("cannot watch run {run_id}: {}", status.message());
            }
        }
        if last.is_some() {
            lost_since = None;
        }
    }
    bar.finish_and_clear();
    last.context("the coordinator closed the progress stream without a status")
}

/// 500 ms doubling to 4 s, scaled by a jitter factor in [0.5, 1.0).
fn reconnect_delay(attempt: u32) -> Duration {
    dfbench_proto::retry::retry_delay(attempt, Duration::from_millis(500), Duration::from_secs(4))
}

/// One watch stream until it ends (Ok) or fails (Err with the status).
async fn watch_once(
    client: &mut Client,
    run_id: &str,
    bar: &ProgressBar,
    last: &mut Option<RunProgress>,
) -> Result<(), tonic::Status> {
    let mut stream = client
        .watch_run(WatchRunRequest {
            run_id: run_id.to_string(),
        })
        .await?
        .into_inner();
    while let Some(message) = stream.message().await? {
        bar.set_length(message.predictions_expected + message.clips_expected);
        bar.set_position(message.predictions + message.clips);
        let waiting = if message.waiting.is_empty() {
            String::new()
        } else {
            format!("  {}", message.waiting)
        };
        bar.set_message(format!(
            "shards {}/{} failures {}{waiting}",
            message.shards_done + message.shards_failed,
            message.shards_total,
            message.prediction_failures + message.clip_failures
        ));
        // Said once in plain text too, so it shows when stderr is not a terminal.
        let was_waiting = last
            .as_ref()
            .is_some_and(|previous| !previous.waiting.is_empty());
        if !message.waiting.is_empty() && !was_waiting {
            eprintln!("run {run_id}: {}", message.waiting);
        }
        let finished = message.status != "running";
        *last = Some(message);
        if finished {
            return Ok(());
        }
    }
    // A stream that ends without a finished status means the coordinator went away.
    Err(tonic::Status::unavailable(
        "progress stream ended before the run finished",
    ))
}
