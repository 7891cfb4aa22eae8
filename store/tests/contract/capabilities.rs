//! Capabilities are sets matched exactly: a run's shards go only to a worker that has every
//! capability the run requires, and a capability whose name merely contains another's (the
//! old `LIKE '%,torch,%'` match) does not count.

use crate::support::*;
use dfbench_store::*;

store_contract! {
    requirements_match_exactly,
}

fn capable(name: &str, capabilities: &[&str]) -> WorkerRecord {
    WorkerRecord {
        worker_id: name.into(),
        incarnation: 1,
        hostname: "h".into(),
        dfbench_version: "0".into(),
        capabilities: capabilities.iter().map(|c| c.to_string()).collect(),
        devices: vec!["cpu".into()],
        now_ms: 100,
        left_at_ms: None,
    }
}

async fn leases(store: &dyn Store, name: &str) -> Option<RunId> {
    let owner = LeaseOwner {
        worker_id: name.into(),
        incarnation: 1,
    };
    store
        .acquire_shard(&owner, 1_000, 10_000)
        .await
        .expect("acquire")
        .map(|shard| shard.run_id)
}

async fn requirements_match_exactly(store: &dyn Store) {
    let mut plan = history_plan("needs-two", 100, "fb", "v1");
    plan.run.requires = vec!["onnx".to_string(), "torch".to_string()];
    store.create_run(&plan).await.expect("run");
    let stored = store.run(&plan.run.id).await.expect("read run");
    assert_eq!(stored.run.requires, ["onnx", "torch"]);

    for (name, capabilities) in [
        ("lookalike", &["builtin", "torchscript", "onnx-gpu"][..]),
        ("torch-only", &["builtin", "torch"][..]),
        ("onnx-only", &["builtin", "onnx"][..]),
    ] {
        store
            .register_worker(&capable(name, capabilities))
            .await
            .expect("register");
        assert_eq!(leases(store, name).await, None, "{name} must not lease");
    }
    store
        .register_worker(&capable("both", &["builtin", "onnx", "torch", "cuda"]))
        .await
        .expect("register");
    assert_eq!(leases(store, "both").await, Some(plan.run.id.clone()));

    // Registering again replaces the set: `both` without onnx leases nothing more.
    store
        .register_worker(&capable("both", &["builtin", "torch"]))
        .await
        .expect("re-register");
    assert_eq!(leases(store, "both").await, None);
    let workers = store.workers().await.expect("workers");
    let both = workers
        .iter()
        .find(|worker| worker.worker_id == "both")
        .expect("both listed");
    assert_eq!(both.capabilities, ["builtin", "torch"]);

    // A run with no requirements goes to any worker.
    store
        .create_run(&history_plan("plain", 200, "fb", "v1"))
        .await
        .expect("plain run");
    assert_eq!(
        leases(store, "lookalike").await,
        Some(RunId("plain".into()))
    );
}
