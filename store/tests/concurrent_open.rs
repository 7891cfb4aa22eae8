//! Processes opening one new SQLite database at once (`dfbench runs` polling beside the
//! `dfbench run` that creates it): each migrates it, SQLite's migrator takes no lock, and the
//! slower one used to fail on tables the other had just created. Every open must succeed. Each
//! store here has its own pool, so its own connections, as separate processes would.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_opens_of_a_new_sqlite_database_all_succeed() {
    for round in 0..rounds() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite:{}", dir.path().join("new.db").display());
        let opens: Vec<_> = (0..4)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(async move { dfbench_store::open_store(&url).await.map(|_| ()) })
            })
            .collect();
        for open in opens {
            let opened = open.await.expect("task");
            if let Err(error) = opened {
                panic!("round {round}: a concurrent open failed: {error}");
            }
        }
    }
}

/// Rounds of concurrent opens: 8, or `DFBENCH_CONCURRENT_OPEN_ROUNDS` to hunt a rare race.
fn rounds() -> usize {
    std::env::var("DFBENCH_CONCURRENT_OPEN_ROUNDS")
        .ok()
        .and_then(|rounds| rounds.parse().ok())
        .unwrap_or(8)
}
