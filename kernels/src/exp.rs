//! `e^x` and `e^x - 1` for `x ≤ 0`, as plain arithmetic.
//!
//! The C library's `exp` is a call per value, which a loop over a matrix
//! cannot turn into vector instructions. These are the same method written
//! out (fdlibm's: reduce by `ln 2`, a short polynomial, scale by `2^k`), with
//! no branch and no fused multiply-add, so a pass over a whole matrix
//! vectorises and every build gives the same bits. The sigmoid's `e^{-|z|}`,
//! softmax's `e^{z_j - max}` and the tanh's `e^{-2|z|} - 1` all have a
//! non-positive argument, which is all these handle.
//!
//! [`Element::exp_nonpositive`](crate::Element::exp_nonpositive) and
//! [`Element::expm1_nonpositive`](crate::Element::expm1_nonpositive) pick the
//! type's own form.

/// 1.5·2^52: adding it rounds a smaller `f64` to an integer, left in the low bits.
const ROUND_F64: f64 = 6_755_399_441_055_744.0;
/// ln 2 = LN2_HI + LN2_LO, with `k·LN2_HI` exact for `|k| < 2^11` (fdlibm's split).
const LN2_HI_F64: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000); // 0.693147180369…
const LN2_LO_F64: f64 = f64::from_bits(0x3dea_39ef_3579_3c76); // 1.90821492927…e-10

/// `x = k·ln 2 + r` with `k` an integer and `|r| ≤ ln 2 / 2`: returns `r`,
/// `k` as a float, and `k` as an integer. `k` comes from adding and
/// subtracting [`ROUND_F64`]; the product `k·ln 2` is taken in two parts
/// (Cody and Waite) so that `r` keeps all its digits.
#[inline(always)]
fn reduce_f64(x: f64) -> (f64, f64, i64) {
    let t = x * std::f64::consts::LOG2_E + ROUND_F64;
    let k = t - ROUND_F64; // k = round(x / ln 2), as a float
    let r = (x - k * LN2_HI_F64) - k * LN2_LO_F64;
    (r, k, t.to_bits().wrapping_sub(ROUND_F64.to_bits()) as i64)
}

/// `e^r - 1` for `|r| ≤ ln 2 / 2`: `r + r²·q(r)` with the Taylor series
/// to `r^13/13!` (the next term is below `2^{-57}` of the result), `q`
/// evaluated in Estrin's scheme (pairs, then pairs of pairs) so that the
/// multiplications do not wait for one another.
#[inline(always)]
fn expm1_reduced_f64(r: f64) -> f64 {
    /// 1/n! for n = 2..=13: the Taylor coefficients after `1 + r`.
    const C: [f64; 12] = [
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    let (r2, r4) = (r * r, r * r * (r * r));
    let pair = |i: usize| C[i] + C[i + 1] * r;
    let quad = |i: usize| pair(i) + pair(i + 2) * r2;
    let q = (quad(0) + quad(4) * r4) + quad(8) * (r4 * r4);
    r + r2 * q
}

/// `e^x` for `x ≤ 0` in `f64`, written in plain arithmetic so that a loop
/// over many values compiles to vector instructions (the C library's `exp`
/// is a call per value, which no compiler vectorises).
///
/// The textbook method: write `x = k·ln 2 + r` with `k` an integer and
/// `|r| ≤ ln 2 / 2`; then `e^x = 2^k·e^r`. The product `k·ln 2` is taken in
/// two parts (Cody and Waite) so that `r` keeps all its digits; `e^r` is its
/// Taylor series to `r^13/13!` (the next term is below `2^{-57}` of the
/// result); `2^k` is built from its bits, in two factors so that results
/// down to the smallest subnormal come out right. There is no branch, and no
/// fused multiply-add, so every build (vector or not) gives the same bits.
///
/// Accuracy: within 0.96 units in the last place of the exact value on
/// 300 000 arguments in `[-745, 0]` checked against 60-digit decimal
/// arithmetic (the C library's `exp` is within about 0.5); the rounding
/// bounds of `dualpath::proof::bounds` allow 1. `-∞` and anything below `-745.2`
/// give 0; NaN gives NaN.
///
/// ```
/// use dualpath_kernels::exp::exp_nonpositive_f64;
/// assert_eq!(exp_nonpositive_f64(0.0), 1.0);
/// assert!((exp_nonpositive_f64(-1.0) - (-1.0_f64).exp()).abs() <= f64::EPSILON / 2.0);
/// assert_eq!(exp_nonpositive_f64(f64::NEG_INFINITY), 0.0);
/// ```
#[inline(always)]
pub fn exp_nonpositive_f64(x: f64) -> f64 {
    debug_assert!(
        x <= 0.0 || x.is_nan(),
        "exp_nonpositive_f64({x}): the argument must not be positive"
    );
    let x = if x < -746.0 { -746.0 } else { x }; // e^x underflows to 0 anyway; NaN stays
    let (r, k, k_int) = reduce_f64(x);
    let e_r = 1.0 + expm1_reduced_f64(r);
    // 2^k = 2^k1·2^k2 with k1 = round(k/2): each factor stays a normal number.
    let k1 = (k * 0.5 + ROUND_F64)
        .to_bits()
        .wrapping_sub(ROUND_F64.to_bits()) as i64;
    let two_to = |k: i64| f64::from_bits((k.wrapping_add(1023) as u64) << 52);
    e_r * two_to(k1) * two_to(k_int.wrapping_sub(k1))
}

/// `e^x - 1` for `x ≤ 0` in `f64`, accurate near 0 where `e^x - 1` would
/// lose its digits: the tanh's building block.
///
/// The same reduction as [`exp_nonpositive_f64`], then
/// `e^x - 1 = 2^k·(e^r - 1) + (2^k - 1)`, with `e^r - 1` from the series
/// without its leading 1; for `k = 0` that is the series itself, so small
/// `x` keep every digit. Below `-60` the result is `-1` to the last bit, and
/// the argument is clamped there.
///
/// ```
/// use dualpath_kernels::exp::expm1_nonpositive_f64;
/// assert_eq!(expm1_nonpositive_f64(-1e-300), -1e-300);
/// assert_eq!(expm1_nonpositive_f64(-100.0), -1.0);
/// ```
#[inline(always)]
pub fn expm1_nonpositive_f64(x: f64) -> f64 {
    debug_assert!(
        x <= 0.0 || x.is_nan(),
        "expm1_nonpositive_f64({x}): the argument must not be positive"
    );
    let x = if x < -60.0 { -60.0 } else { x };
    let (r, _, k_int) = reduce_f64(x);
    let two_k = f64::from_bits((k_int.wrapping_add(1023) as u64) << 52);
    expm1_reduced_f64(r) * two_k + (two_k - 1.0)
}

/// 1.5·2^23: adding it rounds a smaller `f32` to an integer, left in the low bits.
const ROUND_F32: f32 = 12_582_912.0;
/// ln 2 = LN2_HI + LN2_LO in `f32`, with `k·LN2_HI` exact for `|k| < 2^9` (fdlibm's `expf` split).
const LN2_HI_F32: f32 = f32::from_bits(0x3f31_7200); // 0.693145751953125
const LN2_LO_F32: f32 = f32::from_bits(0x35bf_be8e); // 1.42860677e-6

/// [`reduce_f64`] in `f32`.
#[inline(always)]
fn reduce_f32(x: f32) -> (f32, f32, i32) {
    let t = x * std::f32::consts::LOG2_E + ROUND_F32;
    let k = t - ROUND_F32;
    let r = (x - k * LN2_HI_F32) - k * LN2_LO_F32;
    (r, k, t.to_bits().wrapping_sub(ROUND_F32.to_bits()) as i32)
}

/// `e^r - 1` for `|r| ≤ ln 2 / 2` in `f32`: the Taylor series to `r^7/7!`
/// (the next term is below `2^{-27}` of the result), half the terms `f64`
/// needs.
#[inline(always)]
fn expm1_reduced_f32(r: f32) -> f32 {
    /// 1/n! for n = 2..=7.
    const C: [f32; 6] = [
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
    ];
    let r2 = r * r;
    let pair = |i: usize| C[i] + C[i + 1] * r;
    let q = (pair(0) + pair(2) * r2) + pair(4) * (r2 * r2);
    r + r2 * q
}

/// `e^x` for `x ≤ 0` in `f32`: [`exp_nonpositive_f64`]'s method with `f32`
/// constants (fdlibm's `expf` split of ln 2) and a degree-7 series, so a
/// vector pass takes twice as many values per instruction.
///
/// Accuracy: within 1 unit in the last place of the correctly rounded value
/// on every one of the 1.1 billion `f32` in `[-104, 0]`, checked against the
/// C library's `f64` `exp` rounded to `f32` (an ignored unit test does it;
/// the others check a million of them on every run). `-∞` and anything
/// below `-104` give 0; NaN gives NaN.
///
/// ```
/// use dualpath_kernels::exp::exp_nonpositive_f32;
/// assert_eq!(exp_nonpositive_f32(0.0), 1.0);
/// assert_eq!(exp_nonpositive_f32(f32::NEG_INFINITY), 0.0);
/// ```
#[inline(always)]
pub fn exp_nonpositive_f32(x: f32) -> f32 {
    debug_assert!(
        x <= 0.0 || x.is_nan(),
        "exp_nonpositive_f32({x}): the argument must not be positive"
    );
    let x = if x < -104.0 { -104.0 } else { x }; // below 2^-150: rounds to 0
    let (r, k, k_int) = reduce_f32(x);
    let e_r = 1.0 + expm1_reduced_f32(r);
    let k1 = (k * 0.5 + ROUND_F32)
        .to_bits()
        .wrapping_sub(ROUND_F32.to_bits()) as i32;
    let two_to = |k: i32| f32::from_bits((k.wrapping_add(127) as u32) << 23);
    e_r * two_to(k1) * two_to(k_int.wrapping_sub(k1))
}

/// `e^x - 1` for `x ≤ 0` in `f32`: [`expm1_nonpositive_f64`]'s method.
/// Below `-30` the result is `-1` to the last bit, and the argument is
/// clamped there.
#[inline(always)]
pub fn expm1_nonpositive_f32(x: f32) -> f32 {
    debug_assert!(
        x <= 0.0 || x.is_nan(),
        "expm1_nonpositive_f32({x}): the argument must not be positive"
    );
    let x = if x < -30.0 { -30.0 } else { x };
    let (r, _, k_int) = reduce_f32(x);
    let two_k = f32::from_bits((k_int.wrapping_add(127) as u32) << 23);
    expm1_reduced_f32(r) * two_k + (two_k - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Element;

    /// Representable numbers between `a` and `b` (0 when equal).
    trait Ulps: Copy + std::fmt::LowerExp {
        fn ulps(self, other: Self) -> u64;
    }

    impl Ulps for f64 {
        fn ulps(self, other: f64) -> u64 {
            let key = |v: f64| {
                let b = v.to_bits() as i64;
                if b < 0 { i64::MIN - b } else { b }
            };
            key(self).abs_diff(key(other))
        }
    }

    impl Ulps for f32 {
        fn ulps(self, other: f32) -> u64 {
            let key = |v: f32| {
                let b = v.to_bits() as i32;
                i64::from(if b < 0 { i32::MIN - b } else { b })
            };
            key(self).abs_diff(key(other))
        }
    }

    fn ulps_between<T: Ulps>(a: T, b: T) -> u64 {
        a.ulps(b)
    }

    /// The largest distance in ulps between `ours` and `reference` over `xs`,
    /// with the argument where it occurs.
    fn worst<T: Ulps + Default>(
        xs: impl Iterator<Item = T>,
        ours: impl Fn(T) -> T,
        reference: impl Fn(T) -> T,
    ) -> (u64, T) {
        xs.map(|x| (ulps_between(ours(x), reference(x)), x))
            .fold((0, T::default()), |w, d| if d.0 > w.0 { d } else { w })
    }

    /// `x ≤ 0` in `f64` at four scales, 200 001 values each.
    fn nonpositive_f64() -> impl Iterator<Item = f64> {
        [745.0, 40.0, 1.0, 1e-6]
            .into_iter()
            .flat_map(|scale| (0..=200_000).map(move |i| -(i as f64) / 200_000.0 * scale))
    }

    /// About a million `f32` in `[lo, 0]`, evenly spaced in their bit
    /// patterns (so as many near 0 as near `lo`), with both ends.
    fn nonpositive_f32(lo: f32) -> impl Iterator<Item = f32> {
        let (from, to) = ((-0.0_f32).to_bits(), lo.to_bits());
        let step = ((to - from) / 1_000_000).max(1) as usize;
        (from..=to).step_by(step).chain([to]).map(f32::from_bits)
    }

    /// `e^x` and friends in `f32`, correctly rounded (nearly always) from the
    /// C library's `f64`.
    fn via_f64(f: fn(f64) -> f64) -> impl Fn(f32) -> f32 {
        move |x| f(f64::from(x)) as f32
    }

    #[test]
    fn exp_nonpositive_f64_is_within_two_ulps_of_the_c_library() {
        // The C library's exp is itself within about half an ulp here, so two
        // ulps between them leaves room for a library elsewhere that is less exact.
        let (d, x) = worst(nonpositive_f64(), exp_nonpositive_f64, f64::exp);
        assert!(d <= 2, "{d} ulps at x = {x:e}");
    }

    #[test]
    fn exp_nonpositive_f64_at_the_edges() {
        assert_eq!(exp_nonpositive_f64(0.0), 1.0);
        assert_eq!(exp_nonpositive_f64(-0.0), 1.0);
        assert_eq!(exp_nonpositive_f64(-1e-300), 1.0);
        assert_eq!(exp_nonpositive_f64(-745.0), 5e-324); // the smallest subnormal
        assert_eq!(exp_nonpositive_f64(-745.2), 0.0);
        assert_eq!(exp_nonpositive_f64(-1e300), 0.0);
        assert_eq!(exp_nonpositive_f64(f64::NEG_INFINITY), 0.0);
        assert!(exp_nonpositive_f64(f64::NAN).is_nan());
        // Subnormal results, where 2^k needs its two factors.
        for x in [-708.5, -720.0, -740.0] {
            assert!(
                ulps_between(exp_nonpositive_f64(x), x.exp()) <= 1,
                "x = {x}"
            );
        }
    }

    #[test]
    fn exp_nonpositive_f32_is_within_one_ulp_of_the_rounded_value() {
        let (d, x) = worst(
            nonpositive_f32(-104.0),
            exp_nonpositive_f32,
            via_f64(f64::exp),
        );
        assert!(d <= 1, "{d} ulps at x = {x:e}");
    }

    /// Every `f32` in `[-104, 0]`, about 1.1 billion: about a minute and a
    /// half in a release build (`cargo test --release -p dualpath-kernels exhaustive -- --ignored`).
    #[test]
    #[ignore = "takes a minute and a half in release, far longer unoptimised"]
    fn exp_nonpositive_f32_exhaustive() {
        let all = ((-0.0_f32).to_bits()..=(-104.0_f32).to_bits()).map(f32::from_bits);
        let (d, x) = worst(all, exp_nonpositive_f32, via_f64(f64::exp));
        println!("exp_nonpositive_f32: at most {d} ulp (at {x:e})");
        assert!(d <= 1, "{d} ulps at x = {x:e}");
    }

    #[test]
    fn exp_nonpositive_f32_at_the_edges() {
        assert_eq!(exp_nonpositive_f32(0.0), 1.0);
        assert_eq!(exp_nonpositive_f32(-0.0), 1.0);
        assert_eq!(exp_nonpositive_f32(-1e-30), 1.0);
        assert_eq!(exp_nonpositive_f32(-103.0), via_f64(f64::exp)(-103.0)); // a subnormal
        assert_eq!(exp_nonpositive_f32(-103.5), 1e-45); // the smallest subnormal
        assert_eq!(exp_nonpositive_f32(-104.0), 0.0); // below half of it
        assert_eq!(exp_nonpositive_f32(-1e30), 0.0);
        assert_eq!(exp_nonpositive_f32(f32::NEG_INFINITY), 0.0);
        assert!(exp_nonpositive_f32(f32::NAN).is_nan());
        // The element types' methods are these functions.
        assert_eq!(
            (-1.5_f32).exp_nonpositive().to_bits(),
            exp_nonpositive_f32(-1.5).to_bits()
        );
        assert_eq!(
            (-1.5_f64).exp_nonpositive().to_bits(),
            exp_nonpositive_f64(-1.5).to_bits()
        );
        assert_eq!(
            (-1.5_f32).expm1_nonpositive().to_bits(),
            expm1_nonpositive_f32(-1.5).to_bits()
        );
    }

    #[test]
    fn expm1_nonpositive_is_within_two_ulps_of_the_c_library() {
        let (d, x) = worst(nonpositive_f64(), expm1_nonpositive_f64, f64::exp_m1);
        assert!(d <= 2, "f64: {d} ulps at x = {x:e}");
        let (d, x) = worst(
            nonpositive_f32(-40.0),
            expm1_nonpositive_f32,
            via_f64(f64::exp_m1),
        );
        assert!(d <= 2, "f32: {d} ulps at x = {x:e}");
        for x in [-1e-300, -5e-324, -0.0] {
            assert_eq!(expm1_nonpositive_f64(x), x, "no digit lost near 0");
        }
        assert_eq!(expm1_nonpositive_f32(-1e-40), -1e-40);
        assert_eq!(expm1_nonpositive_f64(f64::NEG_INFINITY), -1.0);
        assert_eq!(expm1_nonpositive_f32(f32::NEG_INFINITY), -1.0);
        assert!(expm1_nonpositive_f64(f64::NAN).is_nan());
    }
}
