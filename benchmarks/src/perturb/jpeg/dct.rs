//! The lossy heart of a baseline JPEG round trip on one 8×8 block, in libjpeg's integer
//! arithmetic: the "islow" forward DCT (`jfdctint.c`), quantisation rounding half away from
//! zero (`jcdctmgr.c`; libjpeg-turbo's reciprocal multiply gives the same quotients), then
//! dequantisation and the "islow" inverse DCT (`jidctint.c`) clamped to 0–255 (as libjpeg-turbo's
//! SIMD code saturates). Pillow encodes and decodes with exactly these by default.
//!
//! Integer arithmetic is exact, so the result is the same on every CPU whatever the compiler
//! vectorises. Blocks go through in strips of [`BLOCKS`] side by side and each pass is one loop
//! over the strip's 1-D transforms ("lanes"), which the compiler turns into vector code.

/// Blocks transformed together.
pub(super) const BLOCKS: usize = 8;
/// 1-D transforms per pass: 8 rows (or columns) of every block of a strip.
const LANES: usize = BLOCKS * 8;
/// `strip[k][lane]`: element k of each of LANES independent 1-D transforms; lane
/// `8 × block + i` is row (or column) i of that block.
type Strip = [[i32; LANES]; 8];
/// One value inside a 1-D transform (the butterflies below are written once for it).
type Lanes = i32;
/// The 8 elements of one 1-D transform.
type Block = [i32; 8];

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
    f(a)
}

#[inline(always)]
fn add(a: Lanes, b: Lanes) -> Lanes {
    a + b
}

#[inline(always)]
fn sub(a: Lanes, b: Lanes) -> Lanes {
    a - b
}

#[inline(always)]
fn mul(a: Lanes, constant: i32) -> Lanes {
    a * constant
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

/// One pass over a strip: `transform` applied to every lane.
#[inline(always)]
fn pass(input: &Strip, output: &mut Strip, transform: impl Fn(&Block) -> Block) {
    for lane in 0..LANES {
        let mut values = [0; 8];
        for (value, row) in values.iter_mut().zip(input) {
            *value = row[lane];
        }
        for (row, value) in output.iter_mut().zip(transform(&values)) {
            row[lane] = value;
        }
    }
}

/// Every block of the strip transposed: rows become columns.
#[inline(always)]
fn transpose(input: &Strip, output: &mut Strip) {
    for block in 0..BLOCKS {
        for (row, values) in input.iter().enumerate() {
            for column in 0..8 {
                output[column][block * 8 + row] = values[block * 8 + column];
            }
        }
    }
}

/// One quantisation table prepared for the round trip: row v of each array holds the values
/// for coefficient row v of the table's natural order, repeated for every block of a strip.
pub(super) struct Quantizer {
    /// Half the divisor: quantisation rounds half away from zero.
    half: [[u32; LANES]; 8],
    /// ⌈2³² / divisor⌉: for the dividends met here (< 2¹⁷), `(a · magic) >> 32 = ⌊a / divisor⌋`.
    magic: [[u32; LANES]; 8],
    /// The table's values, which dequantise.
    step: [[i32; LANES]; 8],
}

impl Quantizer {
    /// `table` holds the quantisation steps (1–255) in natural order. The islow DCT's output is
    /// 8 times the true DCT's, so the divisor is 8 × step.
    pub(super) fn new(table: &[u16; 64]) -> Quantizer {
        let mut quantizer = Quantizer {
            half: [[0; LANES]; 8],
            magic: [[0; LANES]; 8],
            step: [[0; LANES]; 8],
        };
        for row in 0..8 {
            for lane in 0..LANES {
                let step = u32::from(table[row * 8 + lane % 8].max(1));
                quantizer.half[row][lane] = step * 4;
                quantizer.magic[row][lane] = (1u64 << 32).div_ceil(u64::from(step * 8)) as u32;
                quantizer.step[row][lane] = step as i32;
            }
        }
        quantizer
    }

    /// Coefficient row `row` of every block as the decoder sees it: quantised, then
    /// multiplied back.
    #[inline(always)]
    fn round_trip(&self, row: usize, coefficients: &mut [i32; LANES]) {
        let (half, magic, step) = (&self.half[row], &self.magic[row], &self.step[row]);
        for lane in 0..LANES {
            let value = coefficients[lane];
            let dividend = u64::from(value.unsigned_abs() + half[lane]);
            let level = ((dividend * u64::from(magic[lane])) >> 32) as i32 * step[lane];
            coefficients[lane] = if value < 0 { -level } else { level };
        }
    }

    #[cfg(test)]
    fn quantize(&self, index: usize, value: i32) -> i32 {
        let (row, column) = (index / 8, index % 8);
        let mut lanes = [0; LANES];
        lanes[column] = value;
        self.round_trip(row, &mut lanes);
        lanes[column] / self.step[row][column]
    }
}

/// Replaces `blocks` (1 to [`BLOCKS`]) horizontally adjacent 8×8 blocks of `plane` (row stride
/// `stride`), the first with its top-left sample at `origin`, by their JPEG round trip.
#[inline(always)]
pub(super) fn round_trip_blocks(
    plane: &mut [u8],
    origin: usize,
    stride: usize,
    blocks: usize,
    q: &Quantizer,
) {
    let (mut a, mut b) = ([[0; LANES]; 8], [[0; LANES]; 8]);
    // Rows first: lane = row of a block, element = column; samples level-shifted by −128.
    for row in 0..8 {
        let samples = &plane[origin + row * stride..][..blocks * 8];
        for (block, columns) in samples.chunks_exact(8).enumerate() {
            for (column, &sample) in columns.iter().enumerate() {
                a[column][block * 8 + row] = i32::from(sample) - 128;
            }
        }
    }
    pass(&a, &mut b, forward_pass::<false>);
    transpose(&b, &mut a);
    pass(&a, &mut b, forward_pass::<true>);
    // b[v][8 × block + u]: coefficient (v, u) of each block.
    for (row, coefficients) in b.iter_mut().enumerate() {
        q.round_trip(row, coefficients);
    }
    pass(&b, &mut a, |d| inverse_pass(d, CONST_BITS - PASS1_BITS));
    transpose(&a, &mut b);
    pass(&b, &mut a, |d| inverse_pass(d, CONST_BITS + PASS1_BITS + 3));
    // a[x][8 × block + y]
    for row in 0..8 {
        let samples = &mut plane[origin + row * stride..][..blocks * 8];
        for (block, columns) in samples.chunks_exact_mut(8).enumerate() {
            for (column, sample) in columns.iter_mut().enumerate() {
                *sample = (a[column][block * 8 + row] + 128).clamp(0, 255) as u8;
            }
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
        round_trip_blocks(&mut fine, 0, 8, 1, &Quantizer::new(&[1; 64]));
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
            round_trip_blocks(&mut flat, 0, 8, 1, &Quantizer::new(&[100; 64]));
            assert!(flat.iter().all(|&v| v == flat[0]), "{flat:?}");
            assert!(flat[0].abs_diff(value) <= 100 / 2, "{value} -> {}", flat[0]);
        }
    }
}
