//! The decoded-memory budget of a worker (`dfbench worker --decode-budget`, env
//! `DFBENCH_DECODE_BUDGET`, also on a local `dfbench run`): how many bytes of decoded 8-bit RGB
//! one shard's scoring pipeline may hold at once (the chunk being scored and the chunk being
//! decoded). Written as a byte count with an optional unit: `2GiB`, `512MiB`, `1073741824`.

use std::fmt;

/// One kibibyte; the units are powers of 1024.
const KIB: u64 = 1024;

/// The smallest budget accepted: 64 MiB (one 5-megapixel image per chunk still fits).
pub const MIN_DECODE_BUDGET: u64 = 64 * KIB * KIB;

/// The largest budget accepted: 1 TiB.
pub const MAX_DECODE_BUDGET: u64 = KIB * KIB * KIB * KIB;

/// Decoded bytes a worker may hold for one shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeBudget(u64);

/// The default: 1 GiB. Both chunks (the one being scored, the one being decoded) can be full at
/// once, so a worker's peak is about the budget plus the model and runtime; the default keeps
/// one worker under 1.5 GiB of RSS (`scripts/memory-budget.py` measures it). Chunks of ordinary
/// images are cut by the chunk size long before this (32 images of up to 5.5 megapixels each
/// fit in half of it).
pub const DEFAULT_DECODE_BUDGET: DecodeBudget = DecodeBudget(KIB * KIB * KIB);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BudgetError {
    #[error(
        "decode budget `{0}` is not a size: write a number of bytes with an optional unit, e.g. \
         2GiB, 512MiB or 1073741824 (units: B, KiB, MiB, GiB, TiB; KB/MB/GB/TB mean the same)"
    )]
    NotASize(String),
    #[error(
        "decode budget `{text}` ({bytes} bytes) is out of range: use 64MiB to 1TiB (default 1GiB)"
    )]
    OutOfRange { text: String, bytes: u64 },
}

impl DecodeBudget {
    /// The budget in bytes.
    pub fn bytes(self) -> u64 {
        self.0
    }

    /// Decoded pixels one chunk may hold (width × height summed over its images): half of the
    /// budget as RGB (3 bytes a pixel). The decode thread hands a chunk over only when the
    /// scoring thread takes it, so at most two chunks are decoded at once: together under it.
    pub fn chunk_pixels(self) -> u64 {
        self.0 / 2 / 3
    }
}

impl Default for DecodeBudget {
    fn default() -> Self {
        DEFAULT_DECODE_BUDGET
    }
}

impl std::str::FromStr for DecodeBudget {
    type Err = BudgetError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let split = trimmed
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let not_a_size = || BudgetError::NotASize(text.to_string());
        let number: u64 = number.parse().map_err(|_| not_a_size())?;
        let power = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 0,
            "k" | "kb" | "kib" => 1,
            "m" | "mb" | "mib" => 2,
            "g" | "gb" | "gib" => 3,
            "t" | "tb" | "tib" => 4,
            _ => return Err(not_a_size()),
        };
        let bytes = number.saturating_mul(KIB.pow(power));
        if !(MIN_DECODE_BUDGET..=MAX_DECODE_BUDGET).contains(&bytes) {
            return Err(BudgetError::OutOfRange {
                text: text.to_string(),
                bytes,
            });
        }
        Ok(DecodeBudget(bytes))
    }
}

impl fmt::Display for DecodeBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = [("TiB", 4), ("GiB", 3), ("MiB", 2), ("KiB", 1)];
        for (name, power) in units {
            let unit = KIB.pow(power);
            if self.0.is_multiple_of(unit) {
                return write!(f, "{}{name}", self.0 / unit);
            }
        }
        write!(f, "{}B", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units_and_out_of_range_ones_are_refused() {
        let parse = |text: &str| text.parse::<DecodeBudget>();
        assert_eq!(parse("2GiB").map(DecodeBudget::bytes), Ok(2 << 30));
        assert_eq!(parse("512 MiB").map(DecodeBudget::bytes), Ok(512 << 20));
        assert_eq!(parse("1073741824"), Ok(DEFAULT_DECODE_BUDGET));
        assert_eq!(DEFAULT_DECODE_BUDGET.to_string(), "1GiB");
        assert_eq!(DEFAULT_DECODE_BUDGET.chunk_pixels(), (1 << 30) / 6);
        for bad in ["", "lots", "2 GiBs", "-1GiB", "1.5GiB"] {
            assert!(
                matches!(parse(bad), Err(BudgetError::NotASize(_))),
                "{bad}: {:?}",
                parse(bad)
            );
        }
        for out in ["1MiB", "2TiB", "99999999999999999999GiB"] {
            let error = parse(out).expect_err(out);
            assert!(
                error.to_string().contains("64MiB to 1TiB")
                    || matches!(error, BudgetError::NotASize(_)),
                "{out}: {error}"
            );
        }
        assert!(matches!(parse("1MiB"), Err(BudgetError::OutOfRange { .. })));
    }
}
