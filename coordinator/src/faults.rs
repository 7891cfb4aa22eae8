//! Fatal database faults (disk full, read-only, corrupt: `ErrorClass::Fatal`): nothing written
//! will succeed until an operator acts, so the runs in flight stop at once instead of retrying.
//!
//! The first fatal error's cause is kept in memory (first cause wins). While it is set, every
//! `WatchRun` stream ends with a terminal `failed` message naming it (`store_fault`), no shard
//! is leased, heartbeats revoke the workers' leases (saying why in `stop_reason`), and worker
//! writes are answered `Aborted` with the cause. A background task ([`recover`]) keeps trying
//! to mark every affected run `failed` with the cause, with capped exponential backoff and
//! jitter; once the database takes that write the fault is cleared and new runs may start.
//!
//! The cause lives in memory only: a coordinator that stops before the database takes the
//! write leaves those runs `running` (a local `dfbench run` tries the write itself on its way
//! out). The next coordinator carries on with them once the database takes writes (stored work
//! is kept), or fails them through the no-worker supervisor if no worker comes.

use dfbench_store::{RunId, RunStatus, Store, StoreError, now_ms};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// What a user is told to do after a fatal fault; appended to the cause.
pub const FAULT_ADVICE: &str = "free space, make the database writable or restore it, then run \
                                the same command again to continue (stored work is reused)";

/// The coordinator's fatal-fault state, shared by the service, the supervisor and [`recover`].
pub struct StoreFaults {
    cause: watch::Sender<Option<String>>,
    /// Runs a watcher saw stop; failed in the store by [`recover`] with the others running.
    runs: Mutex<BTreeSet<String>>,
    /// Runs failed by [`recover`], with their cause, for the life of this coordinator: a
    /// watcher that looks after the fault was cleared still ends with `store_fault`.
    stopped: Mutex<BTreeMap<String, String>>,
}

impl Default for StoreFaults {
    fn default() -> Self {
        StoreFaults {
            cause: watch::channel(None).0,
            runs: Mutex::new(BTreeSet::new()),
            stopped: Mutex::new(BTreeMap::new()),
        }
    }
}

impl StoreFaults {
    /// Records `error` when it is fatal (the first cause wins); returns its cause when it is.
    pub fn record(&self, error: &StoreError) -> Option<String> {
        let cause = error.fatal_cause()?;
        self.cause.send_if_modified(|current| {
            if current.is_some() {
                return false;
            }
            tracing::error!(%cause, "fatal database fault: stopping the runs in flight until the database takes writes again");
            *current = Some(cause.clone());
            true
        });
        Some(cause)
    }

    /// The cause in force, if any.
    pub fn current(&self) -> Option<String> {
        self.cause.borrow().clone()
    }

    /// Woken when a cause is recorded or cleared.
    pub fn subscribe(&self) -> watch::Receiver<Option<String>> {
        self.cause.subscribe()
    }

    /// The cause that stopped `run_id`: the fault in force, or the one it was failed for.
    pub fn cause_for(&self, run_id: &RunId) -> Option<String> {
        self.current()
            .or_else(|| lock(&self.stopped).get(&run_id.0).cloned())
    }

    /// A run whose watcher was told it stopped.
    pub fn affect(&self, run_id: &RunId) {
        lock(&self.runs).insert(run_id.0.clone());
    }

    /// The message a run is failed with, as stored and as sent to watchers.
    pub fn run_message(cause: &str) -> String {
        format!("{cause} — {FAULT_ADVICE}")
    }

    fn clear(&self, done: &BTreeSet<String>, cause: &str) {
        lock(&self.runs).retain(|run| !done.contains(run));
        let mut stopped = lock(&self.stopped);
        for run in done {
            stopped
                .entry(run.clone())
                .or_insert_with(|| cause.to_string());
        }
        drop(stopped);
        self.cause.send_replace(None);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Capped exponential backoff with jitter: 250 ms doubling to 10 s, each delay scaled by a
/// random factor in [0.5, 1.0).
pub fn backoff(attempt: u32) -> Duration {
    dfbench_proto::retry::retry_delay(attempt, Duration::from_millis(250), Duration::from_secs(10))
}

/// Logs at most once a second.
#[derive(Default)]
pub(crate) struct Throttle(Option<Instant>);

impl Throttle {
    pub(crate) fn ready(&mut self) -> bool {
        let now = Instant::now();
        match self.0 {
            Some(last) if now.duration_since(last) < Duration::from_secs(1) => false,
            _ => {
                self.0 = Some(now);
                true
            }
        }
    }
}

/// For each fault: marks every running run (and every run a watcher saw stop) `failed` with
/// the cause as soon as the database takes the write, then clears the fault. Runs for the
/// life of the coordinator.
pub async fn recover(store: Arc<dyn Store>, faults: Arc<StoreFaults>) {
    let mut changes = faults.subscribe();
    loop {
        let Some(cause) = faults.current() else {
            if changes.changed().await.is_err() {
                return;
            }
            continue;
        };
        let message = StoreFaults::run_message(&cause);
        let mut throttle = Throttle(None);
        let mut attempt = 0u32;
        let done = loop {
            match fail_affected(store.as_ref(), &faults, &message).await {
                Ok(done) => break done,
                Err(error) => {
                    if throttle.ready() {
                        tracing::warn!(%error, attempt, "the database does not take writes yet; the stopped runs will be marked failed when it does");
                    }
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt = attempt.saturating_add(1);
                }
            }
        };
        for run_id in &done {
            tracing::error!(%run_id, %message, "run failed");
        }
        faults.clear(&done, &cause);
    }
}

/// Fails every running run and every run a watcher saw stop; returns those failed.
async fn fail_affected(
    store: &dyn Store,
    faults: &StoreFaults,
    message: &str,
) -> Result<BTreeSet<String>, StoreError> {
    let mut runs = lock(&faults.runs).clone();
    for run in store.list_runs(1000).await? {
        if run.status == RunStatus::Running {
            runs.insert(run.id.0);
        }
    }
    let now = now_ms();
    for run in &runs {
        store.fail_run(&RunId(run.clone()), message, now).await?;
    }
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        assert!(backoff(0) >= Duration::from_millis(125));
        assert!(backoff(0) < Duration::from_millis(250));
        assert!(backoff(3) >= Duration::from_millis(1000));
        for attempt in [6, 7, 30, u32::MAX] {
            assert!(backoff(attempt) <= Duration::from_secs(10));
            assert!(backoff(attempt) >= Duration::from_secs(5));
        }
    }

    #[test]
    fn throttle_allows_once_a_second() {
        let mut throttle = Throttle(None);
        assert!(throttle.ready());
        assert!(!throttle.ready());
    }
}
