//! What every contract test shares: [`TestDb`] (a fresh database of one backend),
//! [`store_contract!`] (each test once per backend), and the small run plans and worker steps
//! the tests are written with.

use dfbench_benchmarks::card::clip::InputKind;
use dfbench_benchmarks::{Label, Sample};
use dfbench_store::testing::fresh_postgres_url;
use dfbench_store::*;
use std::sync::Arc;

/// Runs each listed `async fn NAME(store: &dyn Store)` (or `&TestDb`, for a test that reads the
/// database directly) as `sqlite::NAME`, on a SQLite file in a temp folder, and as
/// `postgres::NAME`, on a fresh database of the server `DATABASE_URL` names (skipped visibly
/// without it; a failure with `DFBENCH_REQUIRE_POSTGRES=1`).
macro_rules! store_contract {
    ($($test:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let db = $crate::support::TestDb::sqlite().await;
                    super::$test($crate::support::Fixture::of(&db)).await;
                }
            )+
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let Some(db) = $crate::support::TestDb::postgres(stringify!($test)).await
                    else {
                        return;
                    };
                    super::$test($crate::support::Fixture::of(&db)).await;
                }
            )+
        }
    };
}
pub(crate) use store_contract;

/// A store on a database of its own, and that database's URL for the few tests that read or
/// change it behind the store's back.
pub struct TestDb {
    store: Arc<dyn Store>,
    pub url: String,
    /// Which backend the store must say it is.
    pub kind: &'static str,
    /// Holds the SQLite file's folder until the test ends.
    _folder: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let folder = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite:{}", folder.path().join("store.db").display());
        TestDb {
            store: open_store(&url).await.expect("open sqlite"),
            url,
            kind: "sqlite",
            _folder: Some(folder),
        }
    }

    /// `None` (the skip already said) when no Postgres server is configured.
    pub async fn postgres(test: &str) -> Option<TestDb> {
        let url = fresh_postgres_url(test).await.expect("postgres")?;
        Some(TestDb {
            store: open_store(&url).await.expect("open postgres"),
            url,
            kind: "postgres",
            _folder: None,
        })
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Runs `sql` on the database directly, outside the store.
    pub async fn execute(&self, sql: &'static str) {
        if self.kind == "sqlite" {
            let pool = sqlx::SqlitePool::connect(&self.url).await.expect("sqlite");
            sqlx::query(sql).execute(&pool).await.expect("execute");
        } else {
            let pool = sqlx::PgPool::connect(&self.url).await.expect("postgres");
            sqlx::query(sql).execute(&pool).await.expect("execute");
        }
    }

    /// The one row of two counts that `sql` selects, read directly from the database.
    pub async fn counts(&self, sql: &'static str) -> (i64, i64) {
        if self.kind == "sqlite" {
            let pool = sqlx::SqlitePool::connect(&self.url).await.expect("sqlite");
            sqlx::query_as(sql).fetch_one(&pool).await.expect("read")
        } else {
            let pool = sqlx::PgPool::connect(&self.url).await.expect("postgres");
            sqlx::query_as(sql).fetch_one(&pool).await.expect("read")
        }
    }
}

/// What a contract test takes: `&dyn Store`, or `&TestDb` to reach the database too.
pub trait Fixture<'a> {
    fn of(db: &'a TestDb) -> Self;
}

impl<'a> Fixture<'a> for &'a dyn Store {
    fn of(db: &'a TestDb) -> Self {
        db.store()
    }
}

impl<'a> Fixture<'a> for &'a TestDb {
    fn of(db: &'a TestDb) -> Self {
        db
    }
}

/// A sample of `dataset` at `path`.
pub fn sample(dataset: &str, path: &str, label: Label) -> Sample {
    Sample {
        dataset: dataset.into(),
        subset: "s".into(),
        rel_path: path.into(),
        label,
        label_group: "g".into(),
        method: "m".into(),
        split: "test".into(),
        compression: "raw".into(),
        video_key: format!("{dataset}/{path}"),
        frame_index: None,
        reads: dfbench_benchmarks::FrameReads::Both,
        published_md5: None,
    }
}

/// A running run record named `name`, created at `created_at_ms`.
pub fn run_record(run_id: &str, name: &str, created_at_ms: i64) -> RunRecord {
    RunRecord {
        id: RunId(run_id.into()),
        name: name.into(),
        suite_name: name.into(),
        suite_toml: format!("name = '{name}'"),
        suite_hash: "h".into(),
        data_root: "/".into(),
        dfbench_version: "0".into(),
        status: RunStatus::Running,
        error: None,
        created_at_ms,
        finished_at_ms: None,
        requires: Vec::new(),
    }
}

/// A dataset record named `name` with `samples` samples.
pub fn dataset(name: &str, fingerprint: &str, samples: usize) -> DatasetRecord {
    DatasetRecord {
        name: name.into(),
        format: "cnnspot".into(),
        root: "/data".into(),
        fingerprint: fingerprint.into(),
        samples: samples as i64,
        exif_orientation: "ignore".into(),
        max_pixels: 64_000_000,
    }
}

/// The lease plan: three samples of dataset `demo` in two shards (two samples, then one),
/// built-in detectors `a` and `b` without fingerprints, two attempts and two losses per shard.
pub fn plan(run_id: &str, now: i64) -> RunPlan {
    RunPlan {
        run: run_record(run_id, "t", now),
        datasets: vec![dataset("demo", "f", 3)],
        detectors: vec![DetectorRecord::builtin("a"), DetectorRecord::builtin("b")],
        samples: vec![
            sample("demo", "0_real/x.png", Label::Real),
            sample("demo", "1_fake/y.png", Label::Fake),
            sample("demo", "1_fake/z.png", Label::Fake),
        ],
        contents: Vec::new(),
        shards: vec![
            shard("demo", "none", vec![0, 1]),
            shard("demo", "none", vec![2]),
        ],
        sample_failures: Vec::new(),
        max_attempts: 2,
        max_losses: 2,
    }
}

pub fn shard(dataset: &str, perturbation: &str, sample_indices: Vec<usize>) -> PlannedShard {
    PlannedShard {
        dataset: dataset.into(),
        perturbation: perturbation.into(),
        sample_indices,
        clips: Vec::new(),
    }
}

pub fn owner(name: &str, incarnation: u64) -> LeaseOwner {
    LeaseOwner {
        worker_id: name.into(),
        incarnation,
    }
}

pub fn lease_of(assignment: &ShardAssignment, owner: &LeaseOwner) -> LeaseRef {
    LeaseRef {
        shard_id: assignment.shard_id.clone(),
        epoch: assignment.epoch.clone(),
        owner: owner.clone(),
    }
}

/// Gives `lease`'s shard back as failed at `now_ms`; returns `run_id`'s progress after it.
pub async fn fail_then_progress(
    store: &dyn Store,
    lease: &LeaseRef,
    failure: &ShardFailure,
    now_ms: i64,
    run_id: &RunId,
) -> RunProgress {
    store
        .fail_shard(lease, failure, now_ms)
        .await
        .expect("fail shard");
    store.run_progress(run_id).await.expect("progress")
}

/// What `owner` is granted now, if anything.
pub async fn try_lease(
    store: &dyn Store,
    owner: &LeaseOwner,
    now_ms: i64,
    ttl_ms: i64,
) -> Option<ShardAssignment> {
    store
        .acquire_shard(owner, now_ms, ttl_ms)
        .await
        .expect("acquire")
}

/// The next ready shard, leased to `owner`; there must be one.
pub async fn lease_next(
    store: &dyn Store,
    owner: &LeaseOwner,
    now: i64,
    ttl: i64,
) -> ShardAssignment {
    let granted = try_lease(store, owner, now, ttl).await;
    granted.expect("a ready shard")
}

/// Leases the next shard to `owner` for a minute and reports [`scores`] for all of it.
pub async fn lease_and_score(store: &dyn Store, owner: &LeaseOwner, now_ms: i64) -> LeaseRef {
    let assignment = lease_next(store, owner, now_ms, 60_000).await;
    let lease = lease_of(&assignment, owner);
    store
        .ingest_predictions(&lease, &scores(&assignment))
        .await
        .expect("ingest");
    lease
}

/// Score 0.25 from detectors `a` and `b` (fingerprints `fp-a`, `fp-b`) for every sample.
pub fn scores(assignment: &ShardAssignment) -> Vec<NewPrediction> {
    let mut out = Vec::new();
    for (sample_id, _) in &assignment.samples {
        for detector in ["a", "b"] {
            out.push(NewPrediction {
                sample_id: sample_id.clone(),
                detector: detector.into(),
                detector_fingerprint: format!("fp-{detector}"),
                outcome: Outcome::Score(0.25),
                latency_us: 1,
            });
        }
    }
    out
}

pub fn worker(name: &str, incarnation: u64, capabilities: &[&str], now_ms: i64) -> WorkerRecord {
    WorkerRecord {
        worker_id: name.into(),
        incarnation,
        hostname: "h".into(),
        dfbench_version: "0".into(),
        capabilities: capabilities.iter().map(|c| c.to_string()).collect(),
        devices: vec!["cpu".into()],
        now_ms,
        left_at_ms: None,
    }
}

pub const PATHS: [&str; 4] = [
    "0_real/p0.png",
    "0_real/p1.png",
    "1_fake/p2.png",
    "1_fake/p3.png",
];

/// The history plan: a run named `nightly` over `PATHS` of dataset `set` (fingerprint
/// `dataset_version`) in two shards, with detectors `a` (fingerprint `fa`) and `b`.
pub fn history_plan(
    run_id: &str,
    created_at_ms: i64,
    fingerprint_b: &str,
    dataset_version: &str,
) -> RunPlan {
    let label = |path: &str| {
        if path.starts_with("0_") {
            Label::Real
        } else {
            Label::Fake
        }
    };
    let detector = |name: &str, fingerprint: &str| DetectorRecord {
        name: name.into(),
        kind: "builtin".into(),
        builtin: "spectral".into(),
        card: None,
        fingerprint: Some(fingerprint.into()),
        input: dfbench_benchmarks::card::clip::InputKind::Image,
    };
    RunPlan {
        run: RunRecord {
            suite_name: "history".into(),
            ..run_record(run_id, "nightly", created_at_ms)
        },
        datasets: vec![dataset("set", dataset_version, PATHS.len())],
        detectors: vec![detector("a", "fa"), detector("b", fingerprint_b)],
        samples: PATHS
            .iter()
            .map(|path| sample("set", path, label(path)))
            .collect(),
        contents: Vec::new(),
        shards: vec![
            shard("set", "jpeg:75", vec![0, 1]),
            shard("set", "jpeg:75", vec![2, 3]),
        ],
        sample_failures: Vec::new(),
        max_attempts: 2,
        max_losses: 2,
    }
}

pub fn reuse() -> PlanOptions {
    PlanOptions {
        reuse_predictions: true,
        ..Default::default()
    }
}

/// Leases the next shard as `worker`, reports `outcome(path, detector)` for each of the
/// shard's (sample, detector) pairs, records provenance and completes it.
pub async fn compute_next_shard(
    store: &dyn Store,
    worker: &str,
    now: i64,
    outcome: impl Fn(&str, &str) -> Outcome,
) -> ShardAssignment {
    let owner = owner(worker, 1);
    let assignment = lease_next(store, &owner, now, 60_000).await;
    let mut predictions = Vec::new();
    for (sample_id, path) in &assignment.samples {
        for detector in &assignment.detectors {
            predictions.push(NewPrediction {
                sample_id: sample_id.clone(),
                detector: detector.name.clone(),
                detector_fingerprint: detector.fingerprint.clone().unwrap_or_default(),
                outcome: outcome(path, &detector.name),
                latency_us: 5,
            });
        }
    }
    let lease = lease_of(&assignment, &owner);
    store
        .ingest_predictions(&lease, &predictions)
        .await
        .expect("ingest");
    let provenance = ShardProvenance {
        device: "cpu".into(),
        libtorch: String::new(),
        cuda: String::new(),
        batch_size: 32,
    };
    store
        .complete_shard_with(&lease, now, Some(&provenance))
        .await
        .expect("complete");
    assignment
}

/// Clip `index` of video `vid/a` for detector `clip`: frames `frames` (first and last give the
/// span), content key `key`.
pub fn clip_of_a(index: i64, frames: Vec<usize>, key: String) -> PlannedClip {
    PlannedClip {
        detector: "clip".into(),
        video_key: "vid/a".into(),
        clip_index: index,
        first_frame: frames[0] as i64,
        last_frame: frames[1] as i64,
        sample_indices: frames,
        video_sample: 0,
        content_key: key,
        planned_failure: None,
    }
}

/// A run `run_id` named `name` over dataset `vid` (`samples`) with clip detector `clip` and
/// image detector `img`, in `shards`, each shard tried at most `attempts` times.
pub fn video_plan(
    (run_id, name, at): (&str, &str, i64),
    samples: Vec<Sample>,
    shards: Vec<PlannedShard>,
    attempts: i64,
) -> RunPlan {
    let detector = |name: &str, input: InputKind| DetectorRecord {
        fingerprint: Some(format!("f-{name}")),
        input,
        ..DetectorRecord::builtin(name)
    };
    RunPlan {
        run: run_record(run_id, name, at),
        datasets: vec![dataset("vid", "fv", samples.len())],
        detectors: vec![
            detector("clip", InputKind::Clip),
            detector("img", InputKind::Image),
        ],
        samples,
        contents: Vec::new(),
        shards,
        sample_failures: Vec::new(),
        max_attempts: attempts,
        max_losses: attempts,
    }
}
