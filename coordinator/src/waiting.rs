//! Whether a worker is alive, silent or gone ([`Liveness`]), and why a running run is not
//! moving: no live worker at all, or none with every capability the run's detectors need
//! (`RunRecord.requires`, e.g. `onnx`, `torch`). One wording for `dfbench status` and the
//! client's progress line (`RunProgress.waiting`).

use dfbench_store::WorkerRecord;

/// Workers seen within this window count as alive.
pub const ALIVE_MS: i64 = 30_000;

/// What `dfbench status` says of a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// Seen within [`ALIVE_MS`] and not gone.
    Alive,
    /// Not seen for longer than [`ALIVE_MS`], without saying it left (killed, hung, cut off).
    Silent,
    /// Said it was leaving when its process exited (until it registers again).
    Left,
}

impl Liveness {
    pub fn of(worker: &WorkerRecord, now_ms: i64) -> Liveness {
        if worker.left_at_ms.is_some() {
            Liveness::Left
        } else if now_ms - worker.now_ms <= ALIVE_MS {
            Liveness::Alive
        } else {
            Liveness::Silent
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Liveness::Alive => "alive",
            Liveness::Silent => "silent",
            Liveness::Left => "left",
        }
    }
}

/// `None` when some live worker (seen within [`ALIVE_MS`] of `now_ms`) has every capability in
/// `requires`; else the reason the run waits, with what to start.
pub fn waiting_reason(
    requires: &[String],
    workers: &[WorkerRecord],
    now_ms: i64,
) -> Option<String> {
    let alive: Vec<&WorkerRecord> = workers
        .iter()
        .filter(|worker| Liveness::of(worker, now_ms) == Liveness::Alive)
        .collect();
    if alive.is_empty() {
        return Some(
            "waiting: no live worker; start `dfbench worker --coordinator URL`".to_string(),
        );
    }
    let able = |worker: &&WorkerRecord| {
        requires
            .iter()
            .all(|needed| worker.capabilities.contains(needed))
    };
    if alive.iter().any(able) {
        return None;
    }
    // Name what no live worker has at all; when each is held by some worker, the combination.
    let missing: Vec<&str> = requires
        .iter()
        .filter(|needed| {
            !alive
                .iter()
                .any(|worker| worker.capabilities.contains(needed))
        })
        .map(String::as_str)
        .collect();
    let features: Vec<&str> = requires
        .iter()
        .filter_map(|needed| match needed.as_str() {
            "torch" => Some("torch"),
            "onnx" => Some("onnx"),
            _ => None,
        })
        .collect();
    let what = if missing.is_empty() {
        format!("all of {}", requires.join(", "))
    } else {
        missing.join(", ")
    };
    Some(format!(
        "waiting: no live worker has {what}; start `dfbench worker` built with --features {}",
        features.join(",")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(capabilities: &[&str], seen_ms: i64) -> WorkerRecord {
        WorkerRecord {
            worker_id: "w".to_string(),
            incarnation: 1,
            hostname: "h".to_string(),
            dfbench_version: "test".to_string(),
            capabilities: capabilities.iter().map(|c| c.to_string()).collect(),
            devices: vec!["cpu".to_string()],
            now_ms: seen_ms,
            left_at_ms: None,
        }
    }

    #[test]
    fn names_the_missing_capability() {
        let needs = ["onnx".to_string()];
        let plain = [worker(&["builtin"], 1_000)];
        assert_eq!(
            waiting_reason(&needs, &plain, 1_000).as_deref(),
            Some(
                "waiting: no live worker has onnx; start `dfbench worker` built with --features onnx"
            )
        );
        let both = ["onnx".to_string(), "torch".to_string()];
        let split = [
            worker(&["builtin", "onnx"], 1_000),
            worker(&["builtin", "torch"], 1_000),
        ];
        let reason = waiting_reason(&both, &split, 1_000).expect("no single worker has both");
        assert!(reason.contains("all of onnx, torch"), "{reason}");
        let able = [worker(&["builtin", "onnx"], 1_000)];
        assert_eq!(waiting_reason(&needs, &able, 1_000), None);
        let silent = [worker(&["builtin", "onnx"], 1_000)];
        let reason = waiting_reason(&needs, &silent, 1_000 + ALIVE_MS + 1).expect("silent");
        assert!(reason.contains("no live worker;"), "{reason}");
        let left = [WorkerRecord {
            left_at_ms: Some(1_000),
            ..worker(&["builtin", "onnx"], 1_000)
        }];
        let reason = waiting_reason(&needs, &left, 1_000).expect("left");
        assert!(reason.contains("no live worker;"), "{reason}");
    }

    #[test]
    fn a_worker_that_left_is_neither_alive_nor_silent() {
        let seen = worker(&[], 1_000);
        assert_eq!(Liveness::of(&seen, 1_000), Liveness::Alive);
        assert_eq!(Liveness::of(&seen, 1_000 + ALIVE_MS + 1), Liveness::Silent);
        let left = WorkerRecord {
            left_at_ms: Some(1_000),
            ..seen
        };
        assert_eq!(Liveness::of(&left, 1_000).as_str(), "left");
        assert_eq!(Liveness::of(&left, 1_000 + ALIVE_MS + 1), Liveness::Left);
    }
}
