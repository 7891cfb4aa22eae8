//! The `Store` contract: each test is written once and run against both backends by
//! `store_contract!` (in `support`), as `TOPIC::sqlite::TEST` on a SQLite file in a temp folder
//! and `TOPIC::postgres::TEST` on a fresh database of the server `DATABASE_URL` names
//! (`scripts/test.sh` starts one; skipped visibly without it, a failure with
//! `DFBENCH_REQUIRE_POSTGRES=1`). One test binary, so one link.
//!
//! Which tests cover which method (`TOPIC::TEST`; each runs on both backends unless marked):
//!
//! - `backend`: `runs::backend_names_itself`
//! - `create_run`: `leases::lease_state_machine` (and most others),
//!   `errors::constraint_violation_is_not_retried`, `errors::sqlite_full_is_fatal` (SQLite only),
//!   `bulk::many_shards`
//! - `create_run_with`: `history::run_history`, every `reuse_index` test, `contents::*`,
//!   `clips::reruns_reuse_clips_by_content` (clip reuse), `clips::*` (planned clip failures),
//!   `planned::*` (planned sample failures)
//! - `register_worker`: `capabilities::requirements_match_exactly`, `leases::failures_capabilities_and_stalls`,
//!   `runs::workers_most_recently_seen_first`, `runs::workers_that_leave_are_not_alive`
//! - `deregister_worker`: `runs::workers_that_leave_are_not_alive`
//! - `acquire_shard`: `leases::lease_state_machine` (epochs, backoff),
//!   `leases::failures_capabilities_and_stalls` (capabilities), `history::run_history` (excluded
//!   workers), `bulk::many_shards`, `clips::clips_are_leased_ingested_and_completed` (owed clips)
//! - `heartbeat`: `leases::lease_state_machine`, `leases::last_completion_finishes_the_run`,
//!   `runs::workers_most_recently_seen_first`
//! - `ingest_predictions`: `leases::lease_state_machine` (fencing, re-delivery, foreign samples),
//!   `bulk::bulk_ingest`, `leases::cancel_stops_leasing`
//! - `ingest_clip_predictions`: `clips::clips_are_leased_ingested_and_completed` (fencing,
//!   re-delivery, foreign clips, invalid outcomes), `clips::failed_shards_record_their_missing_clips`
//! - `complete_shard`: `leases::lease_state_machine`, `clips::clips_are_leased_ingested_and_completed`, `leases::last_completion_finishes_the_run`,
//!   `leases::postgres_concurrent_last_completions_finish_the_run` (Postgres only)
//! - `complete_shard_with`: `history::run_history`, `history::promotion_is_recorded` (via
//!   `support::compute_next_shard`)
//! - `fail_shard`: `leases::failures_capabilities_and_stalls`,
//!   `clips::failed_shards_record_their_missing_clips` (missing clips),
//!   `leases::non_retryable_failure_fails_at_once`
//! - `release_shard`: `release::released_shards_are_requeued_without_a_failure`
//! - `reap_expired_leases`: `leases::lease_state_machine`
//! - `finish_complete_runs`: `runs::sweep_finishes_runs_left_running`
//! - `index_ended_runs`: `reuse_index::ended_runs_are_indexed_on_demand` (by the last completion:
//!   `reuse_index::finished_runs_are_indexed_at_once`)
//! - `fail_runs_without_workers`: `leases::failures_capabilities_and_stalls`
//! - `run_progress`: `leases::lease_state_machine`, `history::run_history`, `clips::*` (clip counts),
//!   `reuse_index::only_reusable_failures_are_reused`
//! - `cancel_run`: `leases::cancel_stops_leasing`, `runs::list_runs_newest_first`
//! - `list_runs`: `runs::list_runs_newest_first`, `errors::unknown_run_status_is_refused`
//! - `fail_run`: `runs::fail_run_fails_only_running_runs`
//! - `run`: `runs::run_details_round_trip`, `runs::sweep_finishes_runs_left_running`,
//!   `errors::unknown_run_status_is_refused` (an unknown stored status)
//! - `predictions`: `bulk::bulk_ingest`, `leases::lease_state_machine`,
//!   `reuse_index::cancelled_runs_count_running_runs_wait`,
//!   `contents::reuse_keys_on_the_content_hash`
//! - `clip_predictions`: `clips::*`, `frame_reads::*` (clip-only samples owe no prediction)
//! - `replace_metrics`, `metrics`: `runs::metrics_are_replaced`, `leases::lease_state_machine`
//! - `cluster_stats`: `runs::cluster_stats_count_workers_shards_and_runs`,
//!   `leases::failures_capabilities_and_stalls`, `runs::workers_that_leave_are_not_alive`
//! - `workers`: `runs::workers_most_recently_seen_first`, `runs::workers_that_leave_are_not_alive`
//! - `known_contents`: `contents::known_contents_are_the_last_planned`,
//!   `contents::known_contents_in_chunks`, `contents::known_contents_of_any_path`
//! - `run_history`: `history::run_history`, `history::promotion_is_recorded`
//! - `promote_run`, `find_runs`: `history::run_history`, `history::promotion_is_recorded`
//! - `shard_provenance`: `history::run_history`, `history::promotion_is_recorded`
//! - `export_run`, `import_run`: `bundles::bundles_round_trip_and_refuse_conflicts`
//!
//! A new `Store` method gets a test here, listed in `store_contract!` of its topic and in this
//! list (`every_method_is_listed` checks the list against `store/src/lib.rs`).

mod support;

mod bulk;
mod bundles;
mod capabilities;
mod clips;
mod contents;
mod errors;
mod frame_reads;
mod history;
mod leases;
mod planned;
mod release;
mod reuse_index;
mod runs;

/// Every method of `Store` and `HistoryStore` is named in the list above.
#[test]
fn every_method_is_listed() {
    let traits = include_str!("../../src/lib.rs");
    let traits = &traits[traits.find("pub trait Store").expect("Store")..];
    let traits = &traits[..traits
        .find("pub async fn open_store")
        .expect("end of the traits")];
    let listed = include_str!("main.rs");
    let methods: Vec<&str> = traits
        .split("fn ")
        .skip(1)
        .filter_map(|rest| rest.split('(').next())
        .collect();
    assert!(methods.len() > 25, "{methods:?}");
    for method in methods {
        assert!(
            listed.contains(&format!("//! - `{method}`"))
                || listed.contains(&format!(", `{method}`:")),
            "`{method}` is not in the contract's list"
        );
    }
}
