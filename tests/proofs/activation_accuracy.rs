//! The activations' evaluation error, measured against a double-double
//! reference: the constants `src/proof/bounds.rs` assumes, checked.
//!
//! The rounding bounds take every element-wise function as exact up to a
//! stated error: `σ(z)` and `tanh(z)` within `6u` relative to the exact
//! value, `e^x` within 1 ulp (`2u`), and the derivatives from the cached
//! output, `σ' = a(1 - a)` and `tanh' = 1 - a²`, within `1u` and `2u`
//! absolute (`u` the type's unit roundoff). These tests measure each one,
//! in `f64` and in `f32`, as the paths call it:
//!
//! - per element ([`Activation::g`], [`Activation::g_prime`], the loop
//!   path's calls), and through the matrix path's passes
//!   ([`Activation::apply`], [`Activation::backprop`], on the vectors this
//!   processor picks);
//! - and the same loops run under every vector variant the processor has
//!   ([`Vectors::run`], as `Activation::apply` does). Both paths reach
//!   `e^x` through `Real::exp_nonpositive` and `e^x - 1` through
//!   `Real::expm1_nonpositive`, which are the kernels' plain-arithmetic
//!   `exp_nonpositive_f64` / `_f32` (and the `expm1` pair): each type
//!   computes in itself, `f32` never by way of `f64`.
//!
//! # The reference
//!
//! A double-double number is an unevaluated sum `hi + lo` of two `f64`
//! with `|lo| ≤ ulp(hi)/2`: about 106 bits. The operations below are those
//! of Joldes, Muller and Popescu, "Tight and rigorous error bounds for basic
//! building blocks of double-word arithmetic", ACM TOMS 44(2), 2017, with
//! their proven relative error bounds (`ε = 2⁻⁵³`): sum of two (their
//! Algorithm 6) `3ε² + 13ε³`, product by an `f64` (Algorithm 9) `2ε²`,
//! product of two (Algorithm 12) `5ε²`, quotient by an `f64` (Algorithm 15)
//! `3ε²`, quotient of two (Algorithm 17, with the product by an `f64` of
//! their Algorithm 7 inside) `15ε² + 56ε³`. TwoSum and
//! TwoProduct (one fused multiply-add) are exact where nothing underflows.
//!
//! `e^x` (`x ≤ 0`): `x = k·ln 2 + r` with `k = round(x / ln 2)`, ln 2 as a
//! double-double whose error is `5.7e-34` (below `2⁻¹¹⁰`; its digits from
//! Python's `decimal` at 80 digits), `k·ln 2` split exactly by TwoProduct,
//! so `r` is off by at most `|k|·2⁻¹¹⁰ + 6ε²·|r|`: below `2⁻⁹⁹` for the
//! `|k| ≤ 1100` here. Then `e^r - 1 = r·(1 + r/2·(1 + r/3·(… (1 + r/27))))`
//! by Horner's rule: with `|r| ≤ 0.35` the first term left out,
//! `r²⁸/28!`, is below `2⁻¹⁴⁰`, and the 26 steps of a product, a quotient
//! and a sum, each within `11ε²` and none amplified more than 1.5 times
//! (every partial value lies in `[0.8, 1.2]`), add under `2⁹·ε² = 2⁻⁹⁷`.
//! The result is kept as `E·2ᵏ` with `E = e^r` in `[0.7, 1.42]`, so values
//! far below `f64`'s normal range keep their 106 bits: `e^x` within `2⁻⁹⁶`.
//! σ adds a sum and a quotient. tanh is `-m/(2 + m)` with
//! `m = e^{-2|z|} - 1` (for `k ≠ 0`, `2ᵏ·(e^r - 1) + (2ᵏ - 1)` with
//! `|m| ≥ 0.29`, which amplifies the error of `e^x` at most 3.5 times;
//! `-m/(2 + m)` at most twice more). In all, every reference value here is
//! within `2⁻⁹³` of the exact one, relative: `2⁻⁴⁰` of an `f64` unit
//! roundoff and `2⁻⁶⁹` of an `f32` one, far below the last digit printed.
//! (Below `|z| = 2⁻⁶⁰⁰`, where the series' terms would underflow, the
//! reference tanh is `z` itself, within `z²/3`.) The reference is itself
//! checked against decimal values first.
//!
//! # The points
//!
//! A sweep of `[-40, 40]` in steps of `1/128`; the tails where `σ`
//! underflows (to `-746` in `f64`, `-105` in `f32`) and where `σ` and `tanh`
//! round to 1; every binade from `2⁻¹⁰⁷⁴` (or `2⁻¹⁴⁹`) to `1`, both
//! signs, three points each; and random points from a fixed-seed
//! generator, uniform in `[-40, 40]` and log-uniform in magnitude. Where the
//! exact `σ(z)` lies below the type's smallest normal number, a relative
//! error means nothing (the bound adds `8η`, `η` the smallest subnormal, for
//! the two paths together there): those results are held to `err·u·|g| + 4η`
//! and their absolute error is reported in units of `η`.
//!
//! # What they show
//!
//! On an AVX-512 processor (every variant gives the same bits, as the unit
//! tests in `src/nn/activation.rs` require), the largest errors seen:
//!
//! | function | `f64` | `f32` | allowed |
//! | --- | --- | --- | --- |
//! | `σ(z)`, relative | 2.681u (z = -23.5) | 2.581u (z = -5.43) | 6u |
//! | `tanh(z)`, relative | 2.440u (z = -0.664) | 2.814u (z = -0.188) | 6u |
//! | `e^x`, relative | 1.265u (x = -25.3) | 1.374u (x = -28.1) | 2u |
//! | `e^x - 1`, relative | 1.519u | 1.293u | 4u |
//! | `a(1 - a)`, absolute | 0.375u | 0.373u | 1u |
//! | `1 - a²`, absolute | 0.748u | 0.750u | 2u |
//!
//! and at most `0.62η` where `σ(z)` or `e^x` is subnormal. Each
//! allowance holds with room: `σ` and tanh use under half theirs, `e^x`
//! two thirds. The tests assert the allowances only, not how much of them
//! is used: an elementary function's largest error sits at a few
//! arguments near its worst cases, which a sweep finds or misses by
//! chance.

use dualpath::nn::activation::{exp_nonpositive, expm1_nonpositive, sigmoid, tanh};
use dualpath::{Activation, Real};
use dualpath_kernels::vectors::Vectors;

// ---------------------------------------------------------------------------
// Double-double arithmetic.

/// `(s, e)` with `s = fl(a + b)` and `s + e = a + b` exactly (TwoSum).
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// TwoSum for `|a| ≥ |b|` (or `a = 0`), in three operations (Fast2Sum).
fn fast_two_sum(a: f64, b: f64) -> Dd {
    let s = a + b;
    Dd {
        hi: s,
        lo: b - (s - a),
    }
}

/// `(p, e)` with `p = fl(a·b)` and `p + e = a·b` exactly, unless it underflows.
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

/// `hi + lo`, an unevaluated sum of two `f64`.
#[derive(Clone, Copy, Debug)]
struct Dd {
    hi: f64,
    lo: f64,
}

impl Dd {
    const ONE: Dd = Dd { hi: 1.0, lo: 0.0 };
    /// ln 2 split to nearest: `0x1.62e42fefa39efp-1 + 0x1.abc9e3b39803fp-56`,
    /// `5.7e-34` below ln 2 (Python's `decimal`, 80 digits).
    const LN2: Dd = Dd {
        hi: f64::from_bits(0x3fe6_2e42_fefa_39ef),
        lo: f64::from_bits(0x3c7a_bc9e_3b39_803f),
    };

    fn of(x: f64) -> Dd {
        Dd { hi: x, lo: 0.0 }
    }

    fn neg(self) -> Dd {
        Dd {
            hi: -self.hi,
            lo: -self.lo,
        }
    }

    /// Algorithm 6 (AccurateDWPlusDW): within `3ε² + 13ε³` of the sum.
    fn add(self, o: Dd) -> Dd {
        let (sh, sl) = two_sum(self.hi, o.hi);
        let (th, tl) = two_sum(self.lo, o.lo);
        let v = fast_two_sum(sh, sl + th);
        fast_two_sum(v.hi, tl + v.lo)
    }

    /// Algorithm 9 (DWTimesFP3): within `2ε²` of the product.
    fn mul_f(self, y: f64) -> Dd {
        let (ch, cl1) = two_prod(self.hi, y);
        fast_two_sum(ch, self.lo.mul_add(y, cl1))
    }

    /// Algorithm 7 (DWTimesFP1), the product by an `f64` Algorithm 17 uses.
    fn mul_f1(self, y: f64) -> Dd {
        let (ch, cl1) = two_prod(self.hi, y);
        let t = fast_two_sum(ch, self.lo * y);
        fast_two_sum(t.hi, t.lo + cl1)
    }

    /// Algorithm 12 (DWTimesDW3): within `5ε²` of the product.
    fn mul(self, o: Dd) -> Dd {
        let (ch, cl1) = two_prod(self.hi, o.hi);
        let tl1 = self.hi.mul_add(o.lo, self.lo * o.lo);
        let cl2 = self.lo.mul_add(o.hi, tl1);
        fast_two_sum(ch, cl1 + cl2)
    }

    /// Algorithm 15 (DWDivFP3): within `3ε²` of the quotient.
    fn div_f(self, y: f64) -> Dd {
        let th = self.hi / y;
        let (ph, pl) = two_prod(th, y);
        let d = ((self.hi - ph) - pl) + self.lo;
        fast_two_sum(th, d / y)
    }

    /// Algorithm 17 (DWDivDW2): within `15ε² + 56ε³` of the quotient.
    fn div(self, o: Dd) -> Dd {
        let th = self.hi / o.hi;
        let r = o.mul_f1(th);
        let d = (self.hi - r.hi) + (self.lo - r.lo);
        fast_two_sum(th, d / o.hi)
    }

    /// `self·2ⁿ`, exact while both parts stay normal (`n` not far below `-900` here).
    fn scale(self, n: i32) -> Dd {
        Dd {
            hi: pow2_times(self.hi, n),
            lo: pow2_times(self.lo, n),
        }
    }
}

/// `x·2ⁿ`, exact unless it underflows or overflows: in steps, so that
/// `2ⁿ` itself need not be a normal `f64`.
fn pow2_times(mut x: f64, mut n: i32) -> f64 {
    while n != 0 {
        let step = n.clamp(-1000, 1000);
        x *= f64::from_bits(((1023 + step) as u64) << 52);
        n -= step;
    }
    x
}

/// `e^r - 1` for `|r| ≤ 0.35`, relative to itself (so tiny `r` keep every digit).
fn expm1_reduced(r: Dd) -> Dd {
    let mut s = Dd::ONE;
    for n in (2..=27).rev() {
        s = s.mul(r).div_f(f64::from(n)).add(Dd::ONE); // 1 + r/n·s
    }
    s.mul(r)
}

/// `x = k·ln 2 + r` with `|r| ≤ ln 2 / 2` (and a little): `(r, k)`.
fn reduce(x: f64) -> (Dd, i32) {
    let k = (x * std::f64::consts::LOG2_E).round();
    let (p1, e1) = two_prod(k, Dd::LN2.hi); // k·ln 2 exactly, in four parts
    let (p2, e2) = two_prod(k, Dd::LN2.lo);
    let r = Dd::of(x)
        .add(Dd { hi: -p1, lo: -e1 })
        .add(Dd { hi: -p2, lo: -e2 });
    (r, k as i32)
}

/// `e^x = E·2ᵏ` for `-1650 ≤ x ≤ 0`, as `(E, k)` with `E` in `[0.7, 1.42]`.
fn exp_ref(x: f64) -> (Dd, i32) {
    let (r, k) = reduce(x);
    (expm1_reduced(r).add(Dd::ONE), k)
}

/// `e^x - 1` for `-1650 ≤ x ≤ 0`, relative to itself.
fn expm1_ref(x: f64) -> Dd {
    let (r, k) = reduce(x);
    if k == 0 {
        return expm1_reduced(r);
    }
    if k < -900 {
        return Dd::of(-1.0); // e^x below 2^-899 of the result
    }
    // 2^k·(e^r - 1) + (2^k - 1), the second part exact by TwoSum.
    let (ah, al) = two_sum(pow2_times(1.0, k), -1.0);
    expm1_reduced(r).scale(k).add(Dd { hi: ah, lo: al })
}

/// `σ(z) = G·2ˢ` for `-1650 ≤ z ≤ 1650`: `(G, s)`.
fn sigmoid_ref(z: f64) -> (Dd, i32) {
    let (e, k) = exp_ref(-z.abs()); // e^{-|z|} = e·2^k
    // 1 + e^{-|z|}; below 2^-899, e^{-|z|} changes nothing a 106-bit sum keeps.
    let denominator = if k < -900 {
        Dd::ONE
    } else {
        Dd::ONE.add(e.scale(k))
    };
    if z >= 0.0 {
        (Dd::ONE.div(denominator), 0)
    } else {
        (e.div(denominator), k) // e^z / (1 + e^z), the scale kept apart
    }
}

/// `tanh(z)` for `|z| ≤ 800`.
fn tanh_ref(z: f64) -> Dd {
    if z.abs() < pow2_times(1.0, -600) {
        // tanh z = z·(1 - z²/3 + …): z itself to within 2^-1200, relative.
        return Dd::of(z);
    }
    let m = expm1_ref(-2.0 * z.abs()); // e^{-2|z|} - 1, in (-1, 0)
    let t = m.neg().div(Dd::of(2.0).add(m));
    if z < 0.0 { t.neg() } else { t }
}

// ---------------------------------------------------------------------------
// Measuring.

/// A fixed-seed generator (SplitMix64), for points no one chose.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `log₂` of the type's smallest subnormal `η`, and of its smallest normal number.
fn exponents<T: Real>() -> (i32, i32) {
    if T::NAME == "f32" {
        (-149, -126)
    } else {
        (-1074, -1022)
    }
}

/// The arguments: see the module comment. Several thousand in each type,
/// rounded to `T` (the reference then takes the rounded value).
fn points<T: Real>() -> Vec<T> {
    let (eta, _) = exponents::<T>();
    let mut z: Vec<f64> = (-40 * 128..=40 * 128)
        .map(|i| f64::from(i) / 128.0)
        .collect();
    // σ's underflow, in steps of 1/16, and the last values before 0.
    let floor = if T::NAME == "f32" { -105.0 } else { -746.0 };
    let mut t = floor;
    while t < -40.0 {
        z.push(t);
        t += 1.0 / 16.0;
    }
    // Every binade down to the smallest subnormal, both signs.
    for e in eta..=0 {
        for m in [1.0, 1.3, 1.7] {
            let v = pow2_times(m, e);
            z.extend([v, -v]);
        }
    }
    let mut rng = SplitMix(0x5eed_acc0);
    for _ in 0..4000 {
        z.push(80.0 * rng.unit() - 40.0);
        let magnitude = pow2_times(1.0 + rng.unit(), -(rng.unit() * 60.0) as i32) * 32.0;
        z.push(if rng.next() & 1 == 0 {
            magnitude
        } else {
            -magnitude
        });
    }
    z.into_iter().map(T::of_f64).collect()
}

/// The worst error seen of one function in one type, and where.
#[derive(Debug)]
struct Worst {
    /// Largest relative error, in units of `u`, over normal-range results.
    relative: f64,
    relative_at: f64,
    /// Largest absolute error, in units of `η`, over results below the normal range.
    subnormal: f64,
    /// How many results lay below the normal range.
    subnormals: usize,
    /// Points whose error passed `allowed·u·|g| + 4η` (at most ten kept).
    over: Vec<(f64, f64)>,
    points: usize,
}

/// Compares the values `got[i]` of one function at `z[i]` with the exact
/// `reference[i]` = `G·2ˢ`, relative to `|g|`, against `allowed` units of
/// `u` (plus `4η` absolute).
fn measure<T: Real>(z: &[T], got: &[T], reference: &[(Dd, i32)], allowed: f64) -> Worst {
    let u = T::UNIT_ROUNDOFF;
    let (eta, normal) = exponents::<T>();
    let mut worst = Worst {
        relative: 0.0,
        relative_at: f64::NAN,
        subnormal: 0.0,
        subnormals: 0,
        over: Vec::new(),
        points: z.len(),
    };
    for ((&z, &y), &(g, s)) in z.iter().zip(got).zip(reference) {
        let (z, y) = (z.as_f64(), y.as_f64());
        // |y - G·2^s|·2^{-s}, from the exact split of y·2^{-s} - G.hi.
        let (d, e) = two_sum(pow2_times(y, -s), -g.hi);
        let distance = (d + (e - g.lo)).abs();
        let magnitude = g.hi.abs();
        // |g| ≥ 2^normal, asked of G so that nothing underflows.
        let in_normal_range = pow2_times(magnitude, s - normal) >= 1.0;
        let floor = 4.0 * pow2_times(1.0, eta - s); // 4η, in G's scale
        if distance > allowed * u * magnitude + floor && worst.over.len() < 10 {
            worst.over.push((z, distance / magnitude / u));
        }
        if in_normal_range {
            let rel = distance / magnitude / u;
            if rel > worst.relative {
                (worst.relative, worst.relative_at) = (rel, z);
            }
        } else {
            worst.subnormal = worst.subnormal.max(pow2_times(distance, s - eta));
            worst.subnormals += 1;
        }
    }
    worst
}

/// Prints one line of the report and asserts that no point passed its allowance.
fn report<T: Real>(what: &str, w: &Worst, allowed: f64) {
    println!(
        "{what:<36} {}: {:.3}u of {allowed}u allowed (at {:e}); {} points, {} results below the normal range, within {:.3}η",
        T::NAME,
        w.relative,
        w.relative_at,
        w.points,
        w.subnormals,
        w.subnormal
    );
    assert!(
        w.over.is_empty(),
        "{what} {}: over {allowed}u + 4η at (z, error in u): {:?}",
        T::NAME,
        w.over
    );
}

/// `f` at every point, one element at a time.
fn each<T: Real>(z: &[T], f: impl Fn(T) -> T) -> Vec<T> {
    z.iter().map(|&z| f(z)).collect()
}

/// `f` at every point in one loop compiled for the vectors `v`, as
/// `Activation::apply` runs its passes.
fn each_with<T: Real>(v: Vectors, z: &[T], f: impl Fn(T) -> T) -> Vec<T> {
    let mut out = vec![T::zero(); z.len()];
    v.run(|| {
        for (o, &z) in out.iter_mut().zip(z) {
            *o = f(z);
        }
    });
    out
}

/// Every way the paths evaluate `f` over `z`: per element, the matrix
/// path's own pass when there is one, and the loop under each variant.
fn every_evaluation<T: Real>(
    z: &[T],
    f: fn(T) -> T,
    pass: Option<Activation>,
) -> Vec<(String, Vec<T>)> {
    let mut out = vec![("per element".to_string(), each(z, f))];
    if let Some(g) = pass {
        let mut a = vec![T::zero(); z.len()];
        g.apply(z, &mut a);
        out.push((format!("Activation::apply ({:?})", Vectors::detected()), a));
    }
    for v in Vectors::available() {
        out.push((format!("{v:?} loop"), each_with(v, z, f)));
    }
    out
}

/// The allowances of `src/proof/bounds.rs`, in units of `u`: `σ` and tanh
/// relative (its `err`), their derivatives absolute (its `err_prime`), and
/// `e^x` relative (1 ulp, the softmax bound's and the sigmoid's comment).
const SIGMOID_ERR: f64 = 6.0;
const TANH_ERR: f64 = 6.0;
const SIGMOID_PRIME_ERR: f64 = 1.0;
const TANH_PRIME_ERR: f64 = 2.0;
const EXP_ERR: f64 = 2.0;
/// `e^x - 1` has no constant of its own in the bounds (tanh's covers it);
/// the kernels' tests hold it to 2 ulps of the C library's, `4u`.
const EXPM1_ERR: f64 = 4.0;

// ---------------------------------------------------------------------------
// The tests.

/// The reference against decimal values (Python's `decimal` at 80 digits;
/// `e⁻¹` is also OEIS A068985), each split to nearest as `hi + lo`: within
/// `2⁻¹⁰⁰` relative.
#[test]
fn the_reference_agrees_with_decimal_values() {
    let close = |what: &str, got: Dd, hi: u64, lo: u64| {
        let want = Dd {
            hi: f64::from_bits(hi),
            lo: f64::from_bits(lo),
        };
        let d = got.add(want.neg());
        let rel = (d.hi + d.lo).abs() / want.hi.abs();
        assert!(
            rel <= pow2_times(1.0, -100),
            "{what}: {got:?}, off by {rel:e}"
        );
    };
    let (e, k) = exp_ref(-1.0);
    close(
        "e^-1",
        e.scale(k),
        0x3fd7_8b56_362c_ef38,
        0xbc6c_a8a4_270f_adf5,
    );
    let (e, k) = exp_ref(-100.5);
    close(
        "e^-100.5",
        e.scale(k),
        0x36e0_1a0e_5643_644f,
        0x3382_a275_ee16_c313,
    );
    // e^-700 = G·2^-1010, G as Python gives e^-700 / 2^-1010.
    let (e, k) = exp_ref(-700.0);
    assert_eq!(k, -1010);
    close("e^-700", e, 0x3ff1_4f2b_0fb9_307f, 0x3c65_7961_a567_de7a);
    close(
        "tanh(0.5)",
        tanh_ref(0.5),
        0x3fdd_9353_d756_8af3,
        0x3c79_44a3_b887_196c,
    );
    close(
        "tanh(2^-17)",
        tanh_ref(pow2_times(1.0, -17)),
        0x3edf_ffff_fffd_5555,
        0x3b75_5566_6666_6665,
    );
    let (s, k) = sigmoid_ref(1.0);
    assert_eq!(k, 0);
    close("σ(1)", s, 0x3fe7_64d4_f5d5_a2bd, 0xbc73_5dae_23bc_734a);
    let (s, k) = sigmoid_ref(-30.0);
    close(
        "σ(-30)",
        s.scale(k),
        0x3d3a_56e0_c2ac_7cbf,
        0x39b1_ec81_b910_1b82,
    );
    // Exact cases: e^{-k ln 2}-like arguments are not exact, but e^0 and σ(0) are.
    let (e, k) = exp_ref(0.0);
    assert_eq!((e.hi, e.lo, k), (1.0, 0.0, 0));
    assert_eq!(sigmoid_ref(0.0).0.hi, 0.5);
}

fn activations_against_the_reference<T: Real>() {
    let z = points::<T>();
    assert!(z.len() > 10_000, "{} points", z.len());
    let nonpositive: Vec<T> = z.iter().map(|&z| -z.abs()).collect();

    check(
        "sigmoid",
        &z,
        sigmoid,
        Some(Activation::Sigmoid),
        sigmoid_ref,
        SIGMOID_ERR,
    );
    check(
        "tanh",
        &z,
        tanh,
        Some(Activation::Tanh),
        |z| (tanh_ref(z), 0),
        TANH_ERR,
    );
    check("exp", &nonpositive, exp_nonpositive, None, exp_ref, EXP_ERR);
    check(
        "expm1",
        &nonpositive,
        expm1_nonpositive,
        None,
        |x| (expm1_ref(x), 0),
        EXPM1_ERR,
    );
}

/// `f` over `xs`, every way the paths evaluate it, against `reference`
/// (computed once for all of them) within `allowed` units of `u`.
fn check<T: Real>(
    name: &str,
    xs: &[T],
    f: fn(T) -> T,
    pass: Option<Activation>,
    reference: impl Fn(f64) -> (Dd, i32),
    allowed: f64,
) {
    let exact: Vec<(Dd, i32)> = xs.iter().map(|&x| reference(x.as_f64())).collect();
    for (how, got) in every_evaluation(xs, f, pass) {
        let w = measure(xs, &got, &exact, allowed);
        report::<T>(&format!("{name}, {how}"), &w, allowed);
    }
}

#[test]
fn activations_are_within_the_bounds_allowance_f64() {
    activations_against_the_reference::<f64>();
}

#[test]
fn activations_are_within_the_bounds_allowance_f32() {
    activations_against_the_reference::<f32>();
}

/// The largest absolute error of `got[i]` against `exact(a[i])`, in units
/// of `u`, and where.
fn absolute_error<T: Real>(a: &[T], got: &[T], exact: impl Fn(f64) -> Dd) -> (f64, f64) {
    let u = T::UNIT_ROUNDOFF;
    a.iter()
        .zip(got)
        .map(|(&a, &y)| {
            let g = exact(a.as_f64());
            let (d, e) = two_sum(y.as_f64(), -g.hi);
            ((d + (e - g.lo)).abs() / u, a.as_f64())
        })
        .fold((0.0, f64::NAN), |w, d| if d.0 > w.0 { d } else { w })
}

/// `g'` from a given `a`, absolutely, per element and through
/// [`Activation::backprop`] (with `dA = 1`, so `dZ = g'(a)` exactly) and
/// under every variant; `a` both as the activations give it on the points
/// above and spread over `[0, 1]` (`[-1, 1]` for tanh), uniformly and in
/// every binade toward 0 and 1.
fn derivatives_against_the_reference<T: Real>() {
    let z = points::<T>();
    let (eta, _) = exponents::<T>();
    let mut rng = SplitMix(0xde71_7a5e);
    let mut spread: Vec<f64> = (0..4000).map(|_| rng.unit()).collect();
    for e in eta..=-1 {
        let v = pow2_times(1.0, e);
        spread.extend([v, 1.0 - v]);
    }
    for (g, allowed) in [
        (Activation::Sigmoid, SIGMOID_PRIME_ERR),
        (Activation::Tanh, TANH_PRIME_ERR),
    ] {
        let mut a: Vec<T> = z.iter().map(|&z| g.g(z)).collect();
        a.extend(spread.iter().map(|&a| T::of_f64(a)));
        if g == Activation::Tanh {
            a.extend(spread.iter().map(|&a| T::of_f64(-a)));
        }
        let exact = |a: f64| match g {
            // a·(1 - a): 1 - a by TwoSum, then a product by an f64.
            Activation::Sigmoid => {
                let (h, l) = two_sum(1.0, -a);
                Dd { hi: h, lo: l }.mul_f(a)
            }
            // 1 - a²: a² by TwoProduct, then a sum.
            _ => {
                let (p, e) = two_prod(a, a);
                Dd::ONE.add(Dd { hi: -p, lo: -e })
            }
        };
        let g_prime = move |a: T| g.g_prime(T::zero(), a);
        let mut ways = vec![("per element".to_string(), each(&a, g_prime))];
        let ones = vec![T::one(); a.len()];
        let mut dz = vec![T::zero(); a.len()];
        g.backprop(&ones, &a, &a, &mut dz);
        ways.push((
            format!("Activation::backprop ({:?})", Vectors::detected()),
            dz,
        ));
        for v in Vectors::available() {
            ways.push((format!("{v:?} loop"), each_with(v, &a, g_prime)));
        }
        for (how, got) in ways {
            let (worst, at) = absolute_error(&a, &got, exact);
            println!(
                "{g}', {how:<28} {}: {worst:.3}u of {allowed}u allowed (at a = {at:e}); {} points",
                T::NAME,
                a.len()
            );
            assert!(
                worst <= allowed,
                "{g}' {} {how}: {worst}u at a = {at:e}",
                T::NAME
            );
        }
    }
}

#[test]
fn derivatives_are_within_the_bounds_allowance_f64() {
    derivatives_against_the_reference::<f64>();
}

#[test]
fn derivatives_are_within_the_bounds_allowance_f32() {
    derivatives_against_the_reference::<f32>();
}
