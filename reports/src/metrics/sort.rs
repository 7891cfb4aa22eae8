//! Sorting scores in descending order, fast: an LSD radix sort on order-preserving `u64` keys.
//!
//! Every threshold metric starts with a sort, and on 10M scores a comparison sort dominates the
//! run time. Mapping each finite `f64` to a `u64` whose unsigned order is the reverse of the
//! score order lets a 4-pass 16-bit radix sort do the job in linear time; passes whose digit is
//! the same for every key (common for probabilities in [0, 1]) are skipped.

/// Below this many keys a comparison sort is faster than four histogram passes.
const RADIX_MIN_LEN: usize = 4096;

/// The key of a finite score: ascending key order = descending score order. `-0.0` and `0.0`
/// get the same key, as numpy's `diff(score) != 0` treats them as one threshold.
pub fn descending_key(score: f64) -> u64 {
    let score = if score == 0.0 { 0.0 } else { score };
    let bits = score.to_bits();
    let ascending = if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    };
    !ascending
}

/// The score of a key made by [`descending_key`].
pub fn score_of_key(key: u64) -> f64 {
    let ascending = !key;
    let bits = if ascending >> 63 == 1 {
        ascending & !(1 << 63)
    } else {
        !ascending
    };
    f64::from_bits(bits)
}

/// Sorts keys ascending (scores descending).
pub fn sort_keys(keys: &mut Vec<u64>) {
    if keys.len() < RADIX_MIN_LEN {
        keys.sort_unstable();
        return;
    }
    let mut buffer = vec![0u64; keys.len()];
    let mut counts = vec![0usize; 1 << 16];
    for pass in 0..4 {
        let shift = pass * 16;
        counts.iter_mut().for_each(|c| *c = 0);
        for &k in keys.iter() {
            counts[((k >> shift) & 0xFFFF) as usize] += 1;
        }
        if counts.iter().any(|&c| c == keys.len()) {
            continue; // every key has the same digit: this pass would not move anything
        }
        let mut offset = 0;
        for c in counts.iter_mut() {
            let n = *c;
            *c = offset;
            offset += n;
        }
        for &k in keys.iter() {
            let digit = ((k >> shift) & 0xFFFF) as usize;
            buffer[counts[digit]] = k;
            counts[digit] += 1;
        }
        std::mem::swap(keys, &mut buffer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_order() {
        let scores = [3.5, 1.0, 0.5, 0.0, -0.0, -1e-300, -2.0, f64::MAX, f64::MIN];
        for &s in &scores {
            let back = score_of_key(descending_key(s));
            assert!(back == s, "{s} -> {back}");
        }
        assert_eq!(descending_key(0.0), descending_key(-0.0));
        let mut keys: Vec<u64> = scores.iter().map(|&s| descending_key(s)).collect();
        keys.sort_unstable();
        let sorted: Vec<f64> = keys.into_iter().map(score_of_key).collect();
        assert!(sorted.windows(2).all(|w| w[0] >= w[1]), "{sorted:?}");
    }

    #[test]
    fn radix_matches_comparison_sort() {
        let mut state = 0x1234_5678_u64;
        let mut keys: Vec<u64> = (0..20_000)
            .map(|i| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let score = if i % 3 == 0 {
                    (state >> 60) as f64 / 16.0 // heavy ties
                } else {
                    (state >> 11) as f64 / (1u64 << 53) as f64 - 0.25
                };
                descending_key(score)
            })
            .collect();
        let mut expected = keys.clone();
        expected.sort_unstable();
        sort_keys(&mut keys);
        assert_eq!(keys, expected);
    }
}
