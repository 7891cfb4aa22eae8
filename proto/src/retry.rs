//! The retry schedule every peer uses when it calls again after a failure (a worker after a
//! dropped shard, a client reconnecting its progress stream, the coordinator retrying a status
//! write): capped exponential backoff with jitter, so peers that failed together do not retry
//! in lockstep.

use std::time::Duration;

/// Delay before retry number `attempt` (0 for the first): `first` doubling per attempt up to
/// `cap`, scaled by a jitter factor in [0.5, 1.0) taken from the clock's sub-second nanos.
pub fn retry_delay(attempt: u32, first: Duration, cap: Duration) -> Duration {
    let doubled = first.saturating_mul(1u32 << attempt.min(16)).min(cap);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.subsec_nanos())
        .unwrap_or(0);
    doubled.mul_f64(0.5 + f64::from(nanos % 1000) / 2000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_and_jitters_below_it() {
        let (first, cap) = (Duration::from_millis(200), Duration::from_secs(5));
        for attempt in 0..40 {
            let full = (first * 2u32.pow(attempt.min(16))).min(cap);
            let delay = retry_delay(attempt, first, cap);
            assert!(
                delay >= full / 2 && delay < full,
                "{attempt}: {delay:?} vs {full:?}"
            );
        }
    }
}
