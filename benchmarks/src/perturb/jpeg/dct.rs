//! The lossy heart of a baseline JPEG round trip on one 8×8 block, in libjpeg's integer
//! arithmetic: the "islow" forward DCT (`jfdctint.c`), quantisation rounding half away from
//! zero (`jcdctmgr.c`; libjpeg-turbo's reciprocal multiply gives the same quotients), then
//! dequantisation and the "islow" inverse DCT (`jidctint.c`) clamped to 0–255 (as libjpeg-turbo's
//! SIMD code saturates). Pillow encodes and decodes with exactly these by default.
//!
//! Integer arithmetic is exact, so the result is the same on every CPU whatever the compiler
//! vectorises. Each 1-D pass runs 8 transforms at once: a [`Lanes`] holds the same element of
//! 8 rows (or columns), so every operation is a plain loop over 8 lanes.

/// Element k of 8 independent 1-D transforms.
type Lanes = [i32; 8];
/// 8 such elements: `block[k][lane]`.
type Block = [Lanes; 8];

const CONST_BITS: u32 = 13;
const PASS1_BITS: u32 = 2;
// FIX(x) = round(x · 2¹³), as `jfdctint.c` / `jidctint.c` spell them.
const FIX_0_298631336: i32 = 2446;
const FIX_0_390180644: i32 = 3196;
const FIX_0_541196100: i32 = 4433;
const FIX_0_765366865: i32 = 6270;
const FIX_0_899976223: i32 = 7373;
const FIX_1_175875602: i32 = 9633;
const FIX_1_501321110: i32 = 12299;
const FIX_1_847759065: i32 = 15137;
const FIX_1_961570560: i32 = 16069;
const FIX_2_053119869: i32 = 16819;
const FIX_2_562915447: i32 = 20995;
const FIX_3_072711026: i32 = 25172;

#[inline(always)]
fn each(a: Lanes, f: impl Fn(i32) -> i32) -> Lanes {
    let mut out = [0; 8];
    for lane in 0..8 {
        out[lane] = f(a[lane]);
    }
    out
}

#[inline(always)]
fn zip(a: Lanes, b: Lanes, f: impl Fn(i32, i32) -> i32) -> Lanes {
    let mut out = [0; 8];
    for lane in 0..8 {
        out[lane] = f(a[lane], b[lane]);
    }
    out
}

#[inline(always)]
fn add(a: Lanes, b: Lanes) -> Lanes {
    zip(a, b, |a, b| a + b)
}

#[inline(always)]
fn sub(a: Lanes, b: Lanes) -> Lanes {
    zip(a, b, |a, b| a - b)
}

#[inline(always)]
fn mul(a: Lanes, constant: i32) -> Lanes {
    each(a, |a| a * constant)
}

/// libjpeg's `DESCALE`: divide by 2ⁿ rounding half up.
#[inline(always)]
fn descale(a: Lanes, n: u32) -> Lanes {
    each(a, |a| (a + (1 << (n - 1))) >> n)
}

/// The odd part shared by both transforms (`jfdctint.c` figure 8 and its transpose):
/// the four outputs for inputs t4..t7 of the forward butterfly, or 7, 5, 3, 1 of the inverse.
#[inline(always)]
fn odd_part(t4: Lanes, t5: Lanes, t6: Lanes, t7: Lanes) -> [Lanes; 4] {
    let z1 = add(t4, t7);
    let z2 = add(t5, t6);
    let z3 = add(t4, t6);
    let z4 = add(t5, t7);
    let z5 = mul(add(z3, z4), FIX_1_175875602);
    let z1 = mul(z1, -FIX_0_899976223);
    let z2 = mul(z2, -FIX_2_562915447);
    let z3 = add(mul(z3, -FIX_1_961570560), z5);
    let z4 = add(mul(z4, -FIX_0_390180644), z5);
    [
        add(mul(t4, FIX_0_298631336), add(z1, z3)),
        add(mul(t5, FIX_2_053119869), add(z2, z4)),
        add(mul(t6, FIX_3_072711026), add(z2, z3)),
        add(mul(t7, FIX_1_501321110), add(z1, z4)),
    ]
}

/// One forward pass (`jpeg_fdct_islow`): rows first (`FINAL` false, outputs scaled up by
/// 2^PASS1_BITS), then columns (`FINAL` true, that scaling removed).
#[inline(always)]
fn forward_pass<const FINAL: bool>(d: &Block) -> Block {
    let shift = if FINAL {
        CONST_BITS + PASS1_BITS
    } else {
        CONST_BITS - PASS1_BITS
    };
    let (tmp0, tmp7) = (add(d[0], d[7]), sub(d[0], d[7]));
    let (tmp1, tmp6) = (add(d[1], d[6]), sub(d[1], d[6]));
    let (tmp2, tmp5) = (add(d[2], d[5]), sub(d[2], d[5]));
    let (tmp3, tmp4) = (add(d[3], d[4]), sub(d[3], d[4]));
    let (tmp10, tmp13) = (add(tmp0, tmp3), sub(tmp0, tmp3));
    let (tmp11, tmp12) = (add(tmp1, tmp2), sub(tmp1, tmp2));
    let dc_like = |v: Lanes| match FINAL {
        true => descale(v, PASS1_BITS),
        false => each(v, |v| v << PASS1_BITS),
    };
    let z1 = mul(add(tmp12, tmp13), FIX_0_541196100);
    let [o7, o5, o3, o1] = odd_part(tmp4, tmp5, tmp6, tmp7);
    [
        dc_like(add(tmp10, tmp11)),
        descale(o1, shift),
        descale(add(z1, mul(tmp13, FIX_0_765366865)), shift),
        descale(o3, shift),
        dc_like(sub(tmp10, tmp11)),
        descale(o5, shift),
        descale(add(z1, mul(tmp12, -FIX_1_847759065)), shift),
        descale(o7, shift),
    ]
}

/// One inverse pass (`jpeg_idct_islow`) before its final descaling by 2^`shift`: columns
/// first (shift CONST_BITS − PASS1_BITS), then rows (CONST_BITS + PASS1_BITS + 3).
#[inline(always)]
fn inverse_pass(d: &Block, shift: u32) -> Block {
    let z1 = mul(add(d[2], d[6]), FIX_0_541196100);
    let tmp2 = add(z1, mul(d[6], -FIX_1_847759065));
    let tmp3 = add(z1, mul(d[2], FIX_0_765366865));
    let tmp0 = each(add(d[0], d[4]), |v| v << CONST_BITS);
    let tmp1 = each(sub(d[0], d[4]), |v| v << CONST_BITS);
    let (tmp10, tmp13) = (add(tmp0, tmp3), sub(tmp0, tmp3));
    let (tmp11, tmp12) = (add(tmp1, tmp2), sub(tmp1, tmp2));
    let [o0, o1, o2, o3] = odd_part(d[7], d[5], d[3], d[1]);
    [
        descale(add(tmp10, o3), shift),
        descale(add(tmp11, o2), shift),
        descale(add(tmp12, o1), shift),
        descale(add(tmp13, o0), shift),
        descale(sub(tmp13, o0), shift),
        descale(sub(tmp12, o1), shift),
        descale(sub(tmp11, o2), shift),
        descale(sub(tmp10, o3), shift),
    ]
}

#[inline(always)]
fn transpose(block: &Block) -> Block {
    let mut out = [[0; 8]; 8];
    for (row, values) in block.iter().enumerate() {
        for (column, &value) in values.iter().enumerate() {
            out[column][row] = value;
        }
    }
    out
}

/// One quantisation table prepared for the round trip, in natural (row-major) order.
pub(super) struct Quantizer {
    /// Half the divisor: quantisation rounds half away from zero.
    half: Block,
    /// ⌈2³² / divisor⌉: for the dividends met here (< 2¹⁷), `(a · magic) >> 32 = ⌊a / divisor⌋`.
    magic: [[u64; 8]; 8],
    /// The table's values, which dequantise.
    step: Block,
}

impl Quantizer {
    /// `table` holds the quantisation steps (1–255) in natural order. The islow DCT's output is
    /// 8 times the true DCT's, so the divisor is 8 × step.
    pub(super) fn new(table: &[u16; 64]) -> Quantizer {
        let at = |row: usize, column: usize| u64::from(table[row * 8 + column].max(1));
        Quantizer {
            half: std::array::from_fn(|r| std::array::from_fn(|c| (at(r, c) * 4) as i32)),
            magic: std::array::from_fn(|r| {
                std::array::from_fn(|c| (1u64 << 32).div_ceil(at(r, c) * 8))
            }),
            step: std::array::from_fn(|r| std::array::from_fn(|c| at(r, c) as i32)),
        }
    }

    /// The coefficient as the decoder sees it: quantised, then multiplied back.
    #[inline(always)]
    fn round_trip(&self, row: usize, coefficients: Lanes) -> Lanes {
        let mut out = [0; 8];
        for lane in 0..8 {
            let value = coefficients[lane];
            let dividend = (value.unsigned_abs() + self.half[row][lane] as u32) as u64;
            let level = ((dividend * self.magic[row][lane]) >> 32) as i32 * self.step[row][lane];
            out[lane] = if value < 0 { -level } else { level };
        }
        out
    }

    #[cfg(test)]
    fn quantize(&self, index: usize, value: i32) -> i32 {
        let (row, column) = (index / 8, index % 8);
        let mut lanes = [0; 8];
        lanes[column] = value;
        self.round_trip(row, lanes)[column] / self.step[row][column]
    }
}

/// Replaces the 8×8 block of `plane` (row stride `stride`) whose top-left sample is at
/// `origin` by its JPEG round trip through `quantizer`.
#[inline(always)]
pub(super) fn round_trip_block(plane: &mut [u8], origin: usize, stride: usize, q: &Quantizer) {
    // Rows first: lane = row, element = column; samples level-shifted by −128.
    let mut rows_in = [[0; 8]; 8];
    for row in 0..8 {
        let samples = &plane[origin + row * stride..][..8];
        for column in 0..8 {
            rows_in[column][row] = i32::from(samples[column]) - 128;
        }
    }
    let rows_out = forward_pass::<false>(&rows_in);
    let coefficients = forward_pass::<true>(&transpose(&rows_out));
    let mut dequantized = coefficients;
    for (row, lanes) in dequantized.iter_mut().enumerate() {
        *lanes = q.round_trip(row, *lanes);
    }
    let columns_out = inverse_pass(&dequantized, CONST_BITS - PASS1_BITS);
    let pixels = inverse_pass(&transpose(&columns_out), CONST_BITS + PASS1_BITS + 3);
    // pixels[x][y]
    for row in 0..8 {
        let samples = &mut plane[origin + row * stride..][..8];
        for column in 0..8 {
            samples[column] = (pixels[column][row] + 128).clamp(0, 255) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// libjpeg-turbo's `compute_reciprocal` and `quantize` (16-bit DCT elements, the SIMD
    /// build Pillow ships), transcribed.
    fn libjpeg_turbo_quantize(value: i32, step: u32) -> i32 {
        let divisor = step * 8;
        let b = 31 - divisor.leading_zeros();
        let mut shift = 16 + b;
        let mut reciprocal = (1u64 << shift) / u64::from(divisor);
        let remainder = (1u64 << shift) % u64::from(divisor);
        let mut correction = divisor / 2;
        if remainder == 0 {
            reciprocal >>= 1;
            shift -= 1;
        } else if remainder <= u64::from(divisor / 2) {
            correction += 1;
        } else {
            reciprocal += 1;
        }
        let level = ((u64::from(value.unsigned_abs() + correction) * reciprocal) >> shift) as i32;
        if value < 0 { -level } else { level }
    }

    #[test]
    fn quantisation_matches_libjpeg_turbo_for_every_step_and_coefficient() {
        for step in 1..=255u16 {
            let quantizer = Quantizer::new(&[step; 64]);
            for value in (-32767..=32767).step_by(3) {
                assert_eq!(
                    quantizer.quantize(9, value),
                    libjpeg_turbo_quantize(value, u32::from(step)),
                    "step {step}, coefficient {value}"
                );
            }
        }
    }

    #[test]
    fn fixed_point_constants_are_libjpegs() {
        let fix = |x: f64| (x * 8192.0 + 0.5) as i32;
        let pairs = [
            (FIX_0_298631336, 0.298631336),
            (FIX_0_390180644, 0.390180644),
            (FIX_0_541196100, 0.541196100),
            (FIX_0_765366865, 0.765366865),
            (FIX_0_899976223, 0.899976223),
            (FIX_1_175875602, 1.175875602),
            (FIX_1_501321110, 1.501321110),
            (FIX_1_847759065, 1.847759065),
            (FIX_1_961570560, 1.961570560),
            (FIX_2_053119869, 2.053119869),
            (FIX_2_562915447, 2.562915447),
            (FIX_3_072711026, 3.072711026),
        ];
        for (constant, x) in pairs {
            assert_eq!(constant, fix(x), "{x}");
        }
    }

    #[test]
    fn fine_steps_keep_a_block_and_coarse_ones_keep_its_mean() {
        let original: Vec<u8> = (0..64u32).map(|i| (i * 37 % 200 + 20) as u8).collect();
        let mut fine = original.clone();
        round_trip_block(&mut fine, 0, 8, &Quantizer::new(&[1; 64]));
        assert!(
            fine.iter().zip(&original).all(|(a, b)| a.abs_diff(*b) <= 1),
            "{fine:?}"
        );
        assert_ne!(
            fine, original,
            "steps of 1 still round the 8x-scaled coefficients"
        );
        // A block of one value is only its DC coefficient: it stays flat, within half a step.
        for value in [0u8, 77, 128, 255] {
            let mut flat = vec![value; 64];
            round_trip_block(&mut flat, 0, 8, &Quantizer::new(&[100; 64]));
            assert!(flat.iter().all(|&v| v == flat[0]), "{flat:?}");
            assert!(flat[0].abs_diff(value) <= 100 / 2, "{value} -> {}", flat[0]);
        }
    }
}
