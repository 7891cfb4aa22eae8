//! Content identity: `create_run_with` remembers each planned file's (size, mtime, hash) per
//! absolute path, `known_contents` reads them back, and reuse keys on the hash.

use crate::support::*;
use dfbench_benchmarks::Label;
use dfbench_store::*;
use std::collections::HashMap;

store_contract! {
    known_contents_are_the_last_planned,
    known_contents_in_chunks,
    known_contents_of_any_path,
    reuse_keys_on_the_content_hash,
}

/// A content as the store returns it (`stored`).
fn content(path: &str, hash: &str, mtime_ns: i64) -> FileContent {
    FileContent {
        path: path.into(),
        size: hash.len() as i64,
        mtime_ns,
        hash: hash.into(),
        stored: true,
    }
}

/// A content as planning hands it over when the file was (re)hashed.
fn hashed(path: &str, hash: &str, mtime_ns: i64) -> FileContent {
    FileContent {
        stored: false,
        ..content(path, hash, mtime_ns)
    }
}

/// Where `history_plan`'s sample `index` lies.
fn absolute(index: usize) -> String {
    format!("/data/set/{}", PATHS[index])
}

/// `history_plan` with a content for each sample: `hashes[i]` (None: the file was missing).
fn plan_with_contents(run_id: &str, at: i64, hashes: [Option<&str>; 4]) -> RunPlan {
    RunPlan {
        contents: hashes
            .iter()
            .enumerate()
            .map(|(index, hash)| hash.map(|hash| hashed(&absolute(index), hash, at)))
            .collect(),
        ..history_plan(run_id, at, "fb", "v1")
    }
}

async fn known(store: &dyn Store, paths: &[String]) -> HashMap<String, FileContent> {
    store.known_contents(paths).await.expect("known contents")
}

/// A later plan replaces a path's content; a missing file keeps the last one seen; unknown
/// paths are absent; one file planned twice in one run is stored once.
async fn known_contents_are_the_last_planned(store: &dyn Store) {
    let all: Vec<String> = (0..4)
        .map(absolute)
        .chain(["/elsewhere.png".into()])
        .collect();
    assert!(known(store, &all).await.is_empty(), "nothing planned yet");
    assert!(known(store, &[]).await.is_empty());
    store
        .create_run(&plan_with_contents(
            "c-1",
            10,
            [Some("h0"), Some("h1"), Some("h2"), None],
        ))
        .await
        .expect("create");
    let expected: HashMap<String, FileContent> = [(0, "h0"), (1, "h1"), (2, "h2")]
        .into_iter()
        .map(|(index, hash)| (absolute(index), content(&absolute(index), hash, 10)))
        .collect();
    assert_eq!(known(store, &all).await, expected);
    assert_eq!(
        known(store, &all[1..2]).await,
        HashMap::from([(absolute(1), content(&absolute(1), "h1", 10))])
    );

    // The second plan: p0 edited, p1 missing now, p3 found; p2 unchanged.
    store
        .create_run(&plan_with_contents(
            "c-2",
            20,
            [Some("h0-edited"), None, Some("h2"), Some("h3")],
        ))
        .await
        .expect("create");
    let mut expected = expected;
    expected.insert(absolute(0), content(&absolute(0), "h0-edited", 20));
    expected.insert(absolute(2), content(&absolute(2), "h2", 20));
    expected.insert(absolute(3), content(&absolute(3), "h3", 20));
    assert_eq!(known(store, &all).await, expected);

    // Two samples of one run on the same file (two datasets over one folder).
    let mut shared = plan_with_contents("c-3", 30, [Some("s"), Some("s"), None, None]);
    shared.contents[1] = shared.contents[0].clone();
    store.create_run(&shared).await.expect("create");
    assert_eq!(
        known(store, &all[..1]).await,
        HashMap::from([(absolute(0), content(&absolute(0), "s", 30))])
    );

    // A content planning marks `stored` (unchanged since the last planning) is not written
    // again: an unchanged rerun writes no `file_contents` rows.
    let mut unchanged = plan_with_contents("c-4", 40, [None, None, None, Some("h3-unseen")]);
    if let Some(Some(content)) = unchanged.contents.get_mut(3) {
        content.stored = true;
    }
    store.create_run(&unchanged).await.expect("create");
    assert_eq!(
        known(store, &all[3..4]).await,
        HashMap::from([(absolute(3), content(&absolute(3), "h3", 20))])
    );
}

/// More paths than one statement carries, on both the write (500 rows) and the read (1,000
/// paths).
async fn known_contents_in_chunks(store: &dyn Store) {
    const FILES: usize = 1_201;
    let paths: Vec<String> = (0..FILES)
        .map(|index| format!("/big/{index:05}.png"))
        .collect();
    let mut planned = history_plan("chunks", 1, "fb", "v1");
    planned.samples = (0..FILES)
        .map(|index| sample("set", &format!("{index:05}.png"), Label::Real))
        .collect();
    planned.datasets[0].samples = FILES as i64;
    planned.contents = paths
        .iter()
        .enumerate()
        .map(|(index, path)| Some(hashed(path, &format!("{index:x}"), index as i64)))
        .collect();
    planned.shards = vec![shard("set", "none", (0..FILES).collect())];
    store.create_run(&planned).await.expect("create");
    let mut asked = paths.clone();
    asked.push("/big/unknown.png".into());
    let found = known(store, &asked).await;
    assert_eq!(found.len(), FILES);
    for (index, path) in paths.iter().enumerate() {
        assert_eq!(
            found[path],
            content(path, &format!("{index:x}"), index as i64)
        );
    }
}

/// Paths travel to the database as JSON text: quotes, backslashes, non-ASCII letters,
/// spaces and control characters come back as they went in, and a path asked twice is found.
async fn known_contents_of_any_path(store: &dyn Store) {
    let paths: Vec<String> = [
        "/odd/a \"quoted\" name.png",
        "/odd/back\\slash.png",
        "/odd/été 写真.jpg",
        "/odd/tab\there\nnewline.png",
        "/odd/[1],{2}.png",
    ]
    .map(String::from)
    .to_vec();
    let mut planned = history_plan("odd", 1, "fb", "v1");
    planned.samples = (0..paths.len())
        .map(|index| sample("set", &format!("{index}.png"), Label::Fake))
        .collect();
    planned.datasets[0].samples = paths.len() as i64;
    planned.contents = paths
        .iter()
        .enumerate()
        .map(|(index, path)| Some(hashed(path, &format!("odd{index}"), 7)))
        .collect();
    planned.shards = vec![shard("set", "none", (0..paths.len()).collect())];
    store.create_run(&planned).await.expect("create");
    let mut asked = paths.clone();
    asked.push(paths[2].clone());
    asked.push("/odd/a \"quoted\" name.png.missing".into());
    let found = known(store, &asked).await;
    assert_eq!(found.len(), paths.len());
    for (index, path) in paths.iter().enumerate() {
        assert_eq!(found[path], content(path, &format!("odd{index}"), 7));
    }
}

/// A prediction is reused only for the same bytes: an edited file (new hash) is computed
/// again, alone (its shard's lease leaves the fully reused samples out), a touched one (same
/// hash, new mtime) is not; the run completes with every prediction present.
async fn reuse_keys_on_the_content_hash(store: &dyn Store) {
    let hashes = [Some("h0"), Some("h1"), Some("h2"), Some("h3")];
    store
        .create_run_with(&plan_with_contents("first", 10, hashes), &reuse())
        .await
        .expect("create");
    for _ in 0..2 {
        compute_next_shard(store, "alice", 10, |_, _| Outcome::Score(0.5)).await;
    }
    let touched = plan_with_contents("touched", 20, hashes);
    let created = store
        .create_run_with(&touched, &reuse())
        .await
        .expect("create");
    assert_eq!((created.reused, created.finished), (8, true));
    let edited = plan_with_contents(
        "edited",
        30,
        [Some("h0"), Some("h1"), Some("h2*"), Some("h3")],
    );
    let created = store
        .create_run_with(&edited, &reuse())
        .await
        .expect("create");
    assert_eq!(
        (created.reused, created.shards_done, created.finished),
        (6, 1, false),
        "both detectors recompute p2"
    );
    let recomputed = compute_next_shard(store, "bob", 30, |_, _| Outcome::Score(0.75)).await;
    let leased: Vec<&str> = recomputed
        .samples
        .iter()
        .map(|(_, path)| path.as_str())
        .collect();
    assert_eq!(
        leased,
        PATHS[2..3],
        "the lease carries the edited sample alone, not its fully reused shard mate"
    );
    let scores: Vec<(String, Option<f64>)> = store
        .predictions(&RunId("edited".into()))
        .await
        .expect("predictions")
        .into_iter()
        .map(|row| (row.rel_path, row.outcome.score))
        .collect();
    let expected = |path: &str| {
        let score = if path == PATHS[2] { 0.75 } else { 0.5 };
        (path.to_string(), Some(score))
    };
    let per_detector: Vec<_> = PATHS.iter().map(|path| expected(path)).collect();
    assert_eq!(
        scores,
        [per_detector.clone(), per_detector].concat(),
        "only p2 recomputed"
    );
}
