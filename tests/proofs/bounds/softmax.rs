//! Softmax and the categorical cross-entropies: `softmax_bound`, and the
//! bounds `output_dz_bound` and `loss_bound` give for a loss that is not
//! element-wise, pinned by their definitions, against a reference in about
//! twice `f64`'s precision, and by crafted rows that reach a stated fraction.
//!
//! Both paths compute softmax with the same function: the loop path's
//! `Activation::activate_row` and the matrix path's `Activation::activate`
//! each call `softmax_row` on one example's row of `Z`, and both take the
//! loss and its `dZ` from `Loss::value` and `Loss::output_dz`. So equal `Z`
//! give equal bits (checked below), and the paths' `A`, `J` and `dZ` differ
//! only through their `Z`, by at most `dev_z`. Each path's own rounding is
//! still measured against the exact value, through its own forward pass.

use super::definitions::{assert_same, softmax_definition};
use super::exact::{Exact, Worst, two_sum, within_share};
use super::*;
use dualpath::Loss;
use dualpath::nn::activation::exp_nonpositive;
use dualpath::proof::bounds::{loss_bound, output_dz_bound};

// ---------------------------------------------------------------------------
// A reference in double-double arithmetic.

/// `hi + lo`, unevaluated, `|lo| ≤ ulp(hi)/2`: about 106 bits.
#[derive(Clone, Copy, Debug)]
struct Dd {
    hi: f64,
    lo: f64,
}

const ONE: Dd = Dd { hi: 1.0, lo: 0.0 };

fn dd(x: f64) -> Dd {
    Dd { hi: x, lo: 0.0 }
}

/// Renormalises `hi + lo` with `|hi| ≥ |lo|` (Dekker's FastTwoSum, exact).
fn fast(hi: f64, lo: f64) -> Dd {
    let s = hi + lo;
    Dd {
        hi: s,
        lo: lo - (s - hi),
    }
}

/// The sum, within about `2⁻¹⁰⁴` of `|a| + |b|` (the "sloppy" double-double
/// addition of Bailey's QD library: TwoSum of the leading parts).
fn add(a: Dd, b: Dd) -> Dd {
    let (s, e) = two_sum(a.hi, b.hi);
    fast(s, e + (a.lo + b.lo))
}

/// The product, within about `2⁻¹⁰⁴` of it relative: TwoProduct of the
/// leading parts by one fused multiply-add (exact), the cross terms in `f64`.
fn mul(a: Dd, b: Dd) -> Dd {
    let p = a.hi * b.hi;
    let e = a.hi.mul_add(b.hi, -p);
    fast(p, e + (a.hi * b.lo + a.lo * b.hi))
}

/// The quotient, by two correction steps: within about `2⁻¹⁰⁴` relative.
fn div(a: Dd, b: Dd) -> Dd {
    let q1 = a.hi / b.hi;
    let r = add(a, mul(b, dd(-q1)));
    let q2 = r.hi / b.hi;
    let r = add(r, mul(b, dd(-q2)));
    let q3 = r.hi / b.hi;
    add(fast(q1, q2), dd(q3))
}

fn value(a: Dd) -> f64 {
    a.hi + a.lo
}

/// `ln 2` to 107 bits: `f64`'s `LN_2` (`0x1.62e42fefa39efp-1`) plus
/// `0x1.abc9e3b39803fp-56`, the split of Bailey's QD library (`dd_real::_log2`).
const LN2: Dd = Dd {
    hi: std::f64::consts::LN_2,
    lo: 2.319_046_813_846_299_6e-17,
};

/// `e^x` for `x ≤ 0` in double-double: `x = k·ln 2 + r` with `|r| ≤ 0.35`
/// (`k·ln 2` by exact products), then `e^r` by its Taylor series to
/// `r^27/27!` (the first term left out is below `10⁻⁴⁰`), by Horner's rule,
/// then times `2^k`, exact while the result is normal. About 90 double-double
/// operations, each within about `2⁻¹⁰⁴` relative and none cancelling
/// (`|r| ≤ 0.35`): the result is within `2⁻⁹⁵` of `e^x` relative, plus
/// `f64`'s `η` once `2^k` makes it subnormal (checked below against
/// `e^{-k·ln 2} = 2^{-k}`). Arguments below `-800` give 0 (`e^x < η`).
fn dd_exp(x: Dd) -> Dd {
    if x.hi < -800.0 {
        return dd(0.0);
    }
    let k = (x.hi / LN2.hi).round();
    let r = add(x, mul(dd(-k), LN2));
    let mut p = ONE;
    for n in (1..=27).rev() {
        // p ← 1 + r·p/n
        p = add(ONE, div(mul(r, p), dd(f64::from(n))));
    }
    let k = k as i32;
    // 2^k in two factors, each a normal number
    let (k1, k2) = (k / 2, k - k / 2);
    let (f1, f2) = (2f64.powi(k1), 2f64.powi(k2));
    Dd {
        hi: p.hi * f1 * f2,
        lo: p.lo * f1 * f2,
    }
}

/// Bound on the reference's own relative error (see [`dd_exp`]): `2⁻⁹⁵`
/// for the exponential, the sum of `K` terms and the division, with room.
fn dd_rel() -> f64 {
    2f64.powi(-90)
}

/// The exact softmax of a row, each value as an [`Exact`]: `z_j - max` by
/// TwoSum (exact), [`dd_exp`], their double-double sum and quotient. Its
/// error: `K·2⁻¹⁰⁴` relative for the sum, `2⁻⁹⁰` in all with room, and
/// `4η₆₄` for subnormal parts.
fn exact_softmax(z: &[f64]) -> Vec<Exact> {
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<Dd> = z
        .iter()
        .map(|&v| {
            let (hi, lo) = two_sum(v, -max);
            dd_exp(Dd { hi, lo })
        })
        .collect();
    let s = e.iter().fold(dd(0.0), |acc, &t| add(acc, t));
    let k = z.len() as f64;
    e.iter()
        .map(|&t| {
            let a = div(t, s);
            Exact {
                hi: a.hi,
                lo: a.lo,
                err: (k + 1.0) * dd_rel() * a.hi.abs() + 4.0 * f64::from_bits(1),
            }
        })
        .collect()
}

/// `ln S` in double-double for `S ≥ 1`: one Newton step `x + S·e^{-x} - 1`
/// from `f64`'s `ln` (within an ulp), which squares its relative error
/// (`2⁻¹⁰⁴`) and leaves [`dd_exp`]'s `2⁻⁹⁵`.
fn dd_ln(s: Dd) -> Dd {
    let x0 = value(s).ln();
    let t = mul(s, dd_exp(dd(-x0)));
    add(dd(x0), add(t, dd(-1.0)))
}

/// The exact mean categorical cross-entropy of `z` (rows) against `y`
/// (class ids for `sparse`), `(1/m)·Σ_i Σ_j y_ij·(ln S_i - (z_ij - max_i))`,
/// in double-double, and its error bound: `2⁻⁹⁰` of `Σ|terms|`.
fn exact_loss(z: &[Vec<f64>], y: &[Vec<f64>], sparse: bool) -> Exact {
    let mut total = dd(0.0);
    let mut size = 0.0;
    for (row, yr) in z.iter().zip(y) {
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let d: Vec<Dd> = row
            .iter()
            .map(|&v| {
                let (hi, lo) = two_sum(v, -max);
                Dd { hi, lo }
            })
            .collect();
        let s = d.iter().fold(dd(0.0), |acc, &t| add(acc, dd_exp(t)));
        let ln_s = dd_ln(s);
        for (j, &dj) in d.iter().enumerate() {
            let yj = if sparse {
                f64::from(u8::from(yr[0] as usize == j))
            } else {
                yr[j]
            };
            let term = mul(
                dd(yj),
                add(
                    ln_s,
                    Dd {
                        hi: -dj.hi,
                        lo: -dj.lo,
                    },
                ),
            );
            size += term.hi.abs();
            total = add(total, term);
        }
    }
    let m = z.len() as f64;
    let mean = div(total, dd(m));
    Exact {
        hi: mean.hi,
        lo: mean.lo,
        err: dd_rel() * (size / m + mean.hi.abs()) + 4.0 * f64::from_bits(1),
    }
}

#[test]
fn the_double_double_reference_is_exact_enough() {
    // e^{-k·ln 2} = 2^{-k}: the argument k·ln 2 as a double-double, so the
    // reduction leaves r within 2⁻¹⁰⁶·k of 0 and the series is tested by
    // the rest of it.
    for k in [1.0, 3.0, 10.0, 100.0, 700.0] {
        let x = mul(dd(-k), LN2);
        let e = dd_exp(x);
        let want = 2f64.powi(-(k as i32));
        let rel = ((e.hi - want) + e.lo).abs() / want;
        assert!(rel <= 2f64.powi(-95), "e^(-{k} ln 2) off by {rel:e}");
    }
    // e^{a}·e^{b} = e^{a+b}, for arguments whose sum is exact.
    for (a, b) in [
        (-0.3, -0.2),
        (-1.25, -3.5),
        (-20.125, -0.0625),
        (-300.5, -0.75),
    ] {
        let lhs = mul(dd_exp(dd(a)), dd_exp(dd(b)));
        let rhs = dd_exp(dd(a + b));
        let rel = ((lhs.hi - rhs.hi) + (lhs.lo - rhs.lo)).abs() / rhs.hi;
        assert!(rel <= 2f64.powi(-94), "e^{a}·e^{b} ≠ e^{{a+b}}: {rel:e}");
    }
    // e^{-1} = 0.367879441171442321595523770161460867… (OEIS A068985): the
    // leading part is its f64 rounding.
    assert_eq!(dd_exp(dd(-1.0)).hi, 0.367_879_441_171_442_33);
    // ln(e^x) = x.
    for x in [0.5, 2.0, 6.9] {
        let s = dd_exp(dd(-x));
        let back = dd_ln(div(ONE, s));
        assert!(
            (back.hi - x + back.lo).abs() <= 2f64.powi(-94) * x,
            "ln e^{x}"
        );
    }
}

// ---------------------------------------------------------------------------
// 1. The definitions of the categorical bounds.

/// `Σ_k y_ik`, `Σ_k |y_ik|` and `y_ij` of a target row: a one-hot row from
/// the class id for the sparse loss (`takes_class_ids`), else the row.
fn target<T: Real>(sparse: bool, y: &DMatrix<T>, i: usize, j: usize) -> (f64, f64, f64) {
    if sparse {
        let hot = if y[(i, 0)].as_f64() as usize == j {
            1.0
        } else {
            0.0
        };
        (1.0, 1.0, hot)
    } else {
        let (mut s, mut s_abs) = (0.0, 0.0);
        for k in 0..y.ncols() {
            s += y[(i, k)].as_f64();
            s_abs += y[(i, k)].as_f64().abs();
        }
        (s, s_abs, y[(i, j)].as_f64())
    }
}

/// The categorical `dZ` bound by its definition (doc comment of
/// `categorical_dz_bound`), with `p` the matrix path's softmax of `z`,
/// `δp` its softmax bound ([`softmax_definition`]) and `s = fl(1/m)`:
/// `(s·(δp·|Σy| + 2γ₃·((p + δp)·|Σy| + |y_j|) + 2·(p + δp)·γ_{n-1}·Σ|y|) + 2η)·OWN`,
/// with `n` the row's nonzero targets; the last term only for target rows
/// (class ids sum to an exact 1).
fn categorical_dz_definition<T: Real>(
    sparse: bool,
    z: &DMatrix<T>,
    dev_z: &DMatrix<f64>,
    y: &DMatrix<T>,
) -> DMatrix<f64> {
    let (m, k) = z.shape();
    let s = (T::one() / T::of_f64(m as f64)).as_f64();
    let mut p = DMatrix::zeros(m, k);
    Activation::Softmax.activate(z, &mut p);
    let dp = softmax_definition(dev_z, z, &p);
    let g3 = gamma_of::<T>(3);
    let mut out = DMatrix::zeros(m, k);
    for i in 0..m {
        for j in 0..k {
            let (sum_y, sum_abs, y_j) = target(sparse, y, i, j);
            let p_bar = p[(i, j)].as_f64() + dp[(i, j)];
            let rows = if sparse {
                0.0
            } else {
                let n = (0..k).filter(|&c| y[(i, c)].as_f64() != 0.0).count();
                let g = if n > 1 { gamma_of::<T>(n - 1) } else { 0.0 };
                2.0 * p_bar * g * sum_abs
            };
            let b = s * (dp[(i, j)] * sum_y.abs() + 2.0 * g3 * (p_bar * sum_y.abs() + y_j.abs()))
                + s * rows;
            out[(i, j)] = (b + 2.0 * eta::<T>()) * OWN;
        }
    }
    out
}

/// The categorical loss bound by its definition (doc comment of
/// `categorical_loss_bound`): for each row, with `δ = max_j δZ_ij`,
/// `d_j = z_j - max`, `L = ln Σ_j e^{d_j}` (in `f64`), `w = Σ_j |y_j|`:
/// `eval = w·((max_j |d_j| + δ + K + 4)·u·1.001 + 2u·|L|)
///  + 2γ_{n+3}·Σ_j |y_j|·(|d_j| + δ + |L| + 1)` with `n` the number of
/// nonzero `y_j` (1 for class ids), the row's part
/// `d = 2δ·w + 2·eval`, and `size = |ℓ_i| + d` with `ℓ_i = Σ_j y_j·(L - d_j)`;
/// then `((Σd + 2γ_{m+1}·Σsize)/m + 2η)·OWN`.
fn categorical_loss_definition<T: Real>(
    sparse: bool,
    z: &DMatrix<T>,
    dev_z: &DMatrix<f64>,
    y: &DMatrix<T>,
) -> f64 {
    let u = unit_roundoff::<T>();
    let (m, k) = z.shape();
    let (mut diff, mut size) = (0.0, 0.0);
    for i in 0..m {
        let mut delta: f64 = 0.0;
        let mut max = f64::NEG_INFINITY;
        for j in 0..k {
            delta = delta.max(dev_z[(i, j)]);
            max = max.max(z[(i, j)].as_f64());
        }
        let mut far: f64 = 0.0;
        let mut s = 0.0;
        for j in 0..k {
            let d = max - z[(i, j)].as_f64();
            far = far.max(d);
            s += (-d).exp();
        }
        let l = s.ln();
        let (mut w, mut terms, mut loss, mut n) = (0.0, 0.0, 0.0, 0);
        for j in 0..k {
            let d = max - z[(i, j)].as_f64();
            let (_, _, y_j) = target(sparse, y, i, j);
            if y_j != 0.0 {
                n += 1;
            }
            w += y_j.abs();
            terms += y_j.abs() * (d + delta + l.abs() + 1.0);
            loss += y_j * (l + d);
        }
        let eval = w * ((far + delta + k as f64 + 4.0) * u * 1.001 + 2.0 * u * l.abs())
            + 2.0 * gamma_of::<T>(n + 3) * terms;
        let d = 2.0 * delta * w + 2.0 * eval;
        diff += d;
        size += loss.abs() + d;
    }
    ((diff + 2.0 * gamma_of::<T>(m + 1) * size) / m as f64 + 2.0 * eta::<T>()) * OWN
}

/// The four categorical losses, with whether each takes class ids.
const CATEGORICAL: [(Loss, bool); 4] = [
    (Loss::SPARSE_CATEGORICAL_CROSSENTROPY, true),
    (Loss::SPARSE_CATEGORICAL_CROSSENTROPY.with_logits(), true),
    (Loss::CATEGORICAL_CROSSENTROPY, false),
    (Loss::CATEGORICAL_CROSSENTROPY.with_logits(), false),
];

/// The output layer a loss reads: softmax, or linear with logits.
fn output_of(loss: Loss) -> Activation {
    if loss.from_logits() {
        Activation::Linear
    } else {
        Activation::Softmax
    }
}

/// Targets of `kind`: 0 class ids, 1 one-hot rows, 2 soft rows (random
/// values in `[0, 1]`, rows not summing to 1), 3 the same with some zeros.
fn targets<T: Real>(rng: &mut Rng, sparse: bool, kind: usize, m: usize, k: usize) -> DMatrix<T> {
    if sparse {
        return DMatrix::from_fn(m, 1, |i, _| T::of_f64(((i * 7 + 3) % k) as f64));
    }
    DMatrix::from_fn(m, k, |i, j| {
        let v = match kind {
            1 => f64::from(u8::from((i * 5 + 1) % k == j)),
            2 => rng.uniform(0.0, 1.0),
            _ if (i + j) % 3 == 0 => 0.0,
            _ => rng.uniform(0.0, 0.7),
        };
        T::of_f64(v)
    })
}

fn categorical_definitions_for<T: Real>() {
    let mut rng = Rng(31);
    for (m, k) in [(1, 1), (1, 2), (3, 5), (4, 17), (2, 40), (7, 3)] {
        // z·10³: outputs that underflow to 0, where the bounds are their η floors.
        for (z_scale, dev_scale) in [
            (1.0, 0.0),
            (1.0, 1e-6),
            (40.0, 0.0),
            (40.0, 1e-3),
            (1e3, 0.0),
            (1e3, 1e-3),
        ] {
            let z = rng.matrix::<T>(m, k, -z_scale, z_scale);
            let dev = deviations(&mut rng, &z, dev_scale);
            for (loss, sparse) in CATEGORICAL {
                let g = output_of(loss);
                let mut a = DMatrix::zeros(m, k);
                g.activate(&z, &mut a);
                let da = DMatrix::from_element(m, k, 0.5); // not read for these losses
                for kind in 1..=3 {
                    if sparse && kind > 1 {
                        continue;
                    }
                    let y = targets::<T>(&mut rng, sparse, kind, m, k);
                    let at = format!(
                        "{} {} m{m} K{k} z·{z_scale} δ·{dev_scale} y{kind}",
                        T::NAME,
                        loss.keras_name()
                    );
                    let got = output_dz_bound(loss, g, &z, &dev, &a, &da, &y);
                    let want = categorical_dz_definition(sparse, &z, &dev, &y);
                    for (idx, (&gv, &wv)) in got.iter().zip(want.iter()).enumerate() {
                        assert_same(&format!("dZ {at} #{idx}"), gv, wv, 4 * k + 8);
                    }
                    let got = loss_bound(loss, g, &z, &dev, &a, &da, &y);
                    let want = categorical_loss_definition(sparse, &z, &dev, &y);
                    assert_same(&format!("J {at}"), got, want, 6 * m * k + 8);
                }
            }
        }
    }
}

#[test]
fn categorical_bounds_are_their_definitions() {
    categorical_definitions_for::<f64>();
    categorical_definitions_for::<f32>();
}

// ---------------------------------------------------------------------------
// 2. Each path against the exact softmax, loss and dZ.

fn path_name<K: OnPath>() -> &'static str {
    if K::PATH == dualpath::Path::Matrix {
        "matrix"
    } else {
        "loops"
    }
}

/// `K`'s forward of a softmax layer whose `Z` is exactly `z`: the input is
/// `z` itself, `W` the identity and `b = 0` (every product is `z·1` or
/// `z·0`, every sum adds zeros: exact on both paths). Returns `(Z, A)`.
fn softmax_on<T: Real, K: OnPath>(z: &DMatrix<T>) -> (DMatrix<T>, DMatrix<T>) {
    let k = z.ncols();
    let w = DMatrix::from_fn(k, k, |r, c| if r == c { T::one() } else { T::zero() });
    let layer = kernels::layer(&w, &DVector::zeros(k), Activation::Softmax);
    let out = kernels::forward::<T, K>(z, &layer);
    assert_eq!(out.z, *z, "the identity layer's Z is its input");
    (out.z, out.a)
}

/// Rows as `f64` vectors.
fn rows_of<T: Real>(z: &DMatrix<T>) -> Vec<Vec<f64>> {
    (0..z.nrows())
        .map(|i| (0..z.ncols()).map(|j| z[(i, j)].as_f64()).collect())
        .collect()
}

/// A named softmax case: rows of logits.
type SoftmaxCase<T> = (&'static str, DMatrix<T>);

/// Adversarial rows: logits hundreds apart (the last ones underflow to 0 in
/// `f32`, to subnormals or 0 in `f64`), ties, one dominant, 1000 classes with
/// fine bits, many equal logits below a maximum that is not a round number
/// (so every `z_j - max` rounds, and all the same way), and ±10³ logits.
fn softmax_cases<T: Real>() -> Vec<SoftmaxCase<T>> {
    let mut rng = Rng(32);
    let rows = |r: &[&[f64]]| {
        let k = r[0].len();
        DMatrix::from_fn(r.len(), k, |i, j| T::of_f64(r[i][j]))
    };
    let mut cases = vec![
        (
            "hundreds apart",
            rows(&[
                &[0.0, -300.0, -700.0, -0.5],
                &[-700.0, -300.0, 0.0, -120.0],
                &[1000.0, -1000.0, 999.0, 250.0],
            ]),
        ),
        (
            "ties",
            rows(&[
                &[3.0, 3.0, 3.0, 3.0],
                &[5.0, 5.0, -1.0, 5.0],
                &[0.1, 0.1, 0.1, 0.1],
            ]),
        ),
        (
            "one dominant",
            rows(&[&[40.0, 0.0, -1.0, 2.0], &[0.3, 36.9, 0.2, 0.1]]),
        ),
        (
            "underflowing",
            rows(&[
                &[0.0, -745.0, -760.0, -103.5],
                &[0.0, -87.0, -104.0, -708.5],
                &[0.0, -86.5, -1e4, -740.0],
            ]),
        ),
    ];
    cases.push(("random", rng.matrix::<T>(5, 9, -30.0, 30.0)));
    cases.push(("1000 classes", rng.matrix::<T>(2, 1000, -10.0, 10.0)));
    let mut equal = DMatrix::from_element(2, 300, T::of_f64(-4.7));
    equal[(0, 0)] = T::of_f64(0.337);
    equal[(1, 150)] = T::of_f64(2.0f64.sqrt());
    cases.push(("many equal below the max", equal));
    cases.push(("±10³", rng.matrix::<T>(3, 6, -1e3, 1e3)));
    cases
}

/// One path's softmax of `z` against the exact one, each element within
/// half of `softmax_bound` with `dev_z = 0`. Returns the fractions.
fn softmax_against_exact<T: Real, K: OnPath>(
    worst: &mut Worst,
    case: &str,
    z: &DMatrix<T>,
) -> DMatrix<f64> {
    let path = path_name::<K>();
    let (zp, a) = softmax_on::<T, K>(z);
    let (_, a_mat) = softmax_on::<T, Matrices>(z);
    assert_eq!(
        a, a_mat,
        "{case}: both paths' softmax of one Z, bit for bit"
    );
    let zero = DMatrix::zeros(z.nrows(), z.ncols());
    let bound = softmax_bound(&zero, &zp, &a_mat);
    let mut fractions = DMatrix::zeros(z.nrows(), z.ncols());
    for (i, row) in rows_of(z).iter().enumerate() {
        let exact = exact_softmax(row);
        for (j, e) in exact.into_iter().enumerate() {
            let what = format!("{case} {} {path} A[{i}, {j}]", T::NAME);
            let f = within_share(&what, a[(i, j)].as_f64(), e, bound[(i, j)] / 2.0);
            fractions[(i, j)] = f;
            worst.see(format!("softmax {} {path}", T::NAME), f);
        }
    }
    fractions
}

/// `z` moved by `δ` in the way that moves `softmax_j` most: `z_j + δ`,
/// every other `z_k - δ` (each rounded to `T`), and the largest `|z' - z|`
/// actually made, which the bound is given as `dev_z` for the whole row.
fn pushed<T: Real>(z: &DMatrix<T>, i: usize, j: usize, delta: f64) -> (DMatrix<T>, f64) {
    let mut out = z.clone();
    let mut dev: f64 = 0.0;
    for k in 0..z.ncols() {
        let v = z[(i, k)].as_f64();
        let moved = T::of_f64(if k == j { v + delta } else { v - delta });
        dev = dev.max((moved.as_f64() - v).abs());
        out[(i, k)] = moved;
    }
    (out, dev)
}

/// With `dev_z > 0`: the loop path's softmax of a `z'` pushed by up to `δ`
/// (for each `j`) against the matrix path's of `z`, within the whole bound;
/// and, stronger, the exact difference `|softmax(z') - softmax(z)|` plus
/// each path's distance from its own exact value within it too.
fn softmax_moved<T: Real>(worst: &mut Worst, case: &str, z: &DMatrix<T>, delta: f64) {
    let (_, a) = softmax_on::<T, Matrices>(z);
    let rows = rows_of(z);
    for i in 0..z.nrows() {
        let exact = exact_softmax(&rows[i]);
        for j in 0..z.ncols() {
            let (zm, dev) = pushed(z, i, j, delta);
            let dev_z =
                DMatrix::from_fn(z.nrows(), z.ncols(), |r, _| if r == i { dev } else { 0.0 });
            let bound = softmax_bound(&dev_z, z, &a);
            let (_, am) = softmax_on::<T, Loops>(&zm);
            let exact_m = exact_softmax(&rows_of(&zm)[i]);
            for k in 0..z.ncols() {
                let b = bound[(i, k)];
                let diff = (am[(i, k)].as_f64() - a[(i, k)].as_f64()).abs();
                let parts = (exact_m[k].hi - exact[k].hi).abs()
                    + (am[(i, k)].as_f64() - exact_m[k].hi).abs()
                    + (a[(i, k)].as_f64() - exact[k].hi).abs();
                let slack = 4.0 * unit_roundoff::<f64>() * parts;
                assert!(
                    diff <= b && parts <= b + slack,
                    "{case} {} δ {delta:e} push {j}: A[{i}, {k}] differ by {diff:e}, \
                     exact change plus roundings {parts:e}, bound {b:e}",
                    T::NAME
                );
                worst.see(format!("softmax {} moved δ {delta:e}", T::NAME), parts / b);
            }
        }
    }
}

fn softmax_soundness_for<T: Real>(worst: &mut Worst) {
    for (case, z) in softmax_cases::<T>() {
        softmax_against_exact::<T, Loops>(worst, case, &z);
        softmax_against_exact::<T, Matrices>(worst, case, &z);
        if z.ncols() <= 10 {
            for delta in [1e-7, 1e-3, 0.5] {
                softmax_moved(worst, case, &z, delta);
            }
        }
    }
}

#[test]
fn each_path_is_within_its_share_of_the_softmax_bound() {
    let mut worst = Worst::default();
    softmax_soundness_for::<f64>(&mut worst);
    softmax_soundness_for::<f32>(&mut worst);
    worst.print("softmax: hundreds apart, ties, dominant, underflowing, 1000 classes, equal");
}

/// The exact `dZ_ij = (p_ij·Σ_k y_ik - y_ij)·s` with `s = fl(1/m)`, the
/// factor both paths share (`Loss::output_dz`'s reduction), in double-double.
fn exact_dz(z: &[f64], y_row: &[f64], sparse: bool, s: f64) -> Vec<Exact> {
    let p = exact_softmax(z);
    let y_of = |j: usize| {
        if sparse {
            f64::from(u8::from(y_row[0] as usize == j))
        } else {
            y_row[j]
        }
    };
    let sum_y = (0..z.len()).fold(dd(0.0), |acc, j| add(acc, dd(y_of(j))));
    p.iter()
        .enumerate()
        .map(|(j, pj)| {
            let pj_dd = Dd {
                hi: pj.hi,
                lo: pj.lo,
            };
            let v = mul(add(mul(pj_dd, sum_y), dd(-y_of(j))), dd(s));
            Exact {
                hi: v.hi,
                lo: v.lo,
                err: s * (pj.err * value(sum_y).abs() + dd_rel() * (pj.hi + y_of(j).abs())),
            }
        })
        .collect()
}

/// One path's categorical loss and `dZ` (from its own forward `Z`) against
/// the exact ones, within half of `loss_bound` and `output_dz_bound` with
/// `dev_z = 0`. Returns the worst fractions `(J, dZ)`.
fn categorical_against_exact<T: Real, K: OnPath>(
    worst: &mut Worst,
    case: &str,
    loss: Loss,
    z: &DMatrix<T>,
    y: &DMatrix<T>,
) -> (f64, f64) {
    let path = path_name::<K>();
    let sparse = loss.takes_class_ids();
    let g = output_of(loss);
    let (zp, a) = if g == Activation::Softmax {
        softmax_on::<T, K>(z)
    } else {
        (z.clone(), z.clone())
    };
    let zero = DMatrix::zeros(z.nrows(), z.ncols());
    let name = format!("{} {} {path}", loss.keras_name(), T::NAME);
    let j_got = loss.value(g, &zp, &a, y).as_f64();
    let j_bound = loss_bound(loss, g, &zp, &zero, &a, &zero, y);
    let j_exact = exact_loss(&rows_of(&zp), &rows_of(y), sparse);
    let f_j = within_share(&format!("{case} {name} J"), j_got, j_exact, j_bound / 2.0);
    worst.see(format!("J {name}"), f_j);
    let mut dz = DMatrix::zeros(z.nrows(), z.ncols());
    loss.output_dz(&mut dz, g, &zp, &a, y);
    let dz_bound = output_dz_bound(loss, g, &zp, &zero, &a, &zero, y);
    let s = (T::one() / T::of_f64(z.nrows() as f64)).as_f64();
    let (zr, yr) = (rows_of(&zp), rows_of(y));
    let mut f_dz: f64 = 0.0;
    for i in 0..z.nrows() {
        for (j, e) in exact_dz(&zr[i], &yr[i], sparse, s).into_iter().enumerate() {
            let what = format!("{case} {name} dZ[{i}, {j}]");
            let f = within_share(&what, dz[(i, j)].as_f64(), e, dz_bound[(i, j)] / 2.0);
            f_dz = f_dz.max(f);
        }
    }
    worst.see(format!("dZ {name}"), f_dz);
    (f_j, f_dz)
}

fn categorical_soundness_for<T: Real>(worst: &mut Worst) {
    let mut rng = Rng(33);
    for (case, z) in softmax_cases::<T>() {
        for (loss, sparse) in CATEGORICAL {
            for kind in 1..=3 {
                if sparse && kind > 1 {
                    continue;
                }
                let y = targets::<T>(&mut rng, sparse, kind, z.nrows(), z.ncols());
                categorical_against_exact::<T, Loops>(worst, case, loss, &z, &y);
                categorical_against_exact::<T, Matrices>(worst, case, loss, &z, &y);
            }
        }
    }
}

#[test]
fn each_path_is_within_its_share_of_the_categorical_bounds() {
    let mut worst = Worst::default();
    categorical_soundness_for::<f64>(&mut worst);
    categorical_soundness_for::<f32>(&mut worst);
    worst.print("categorical J and dZ, the softmax cases, every target kind");
}

// ---------------------------------------------------------------------------
// 3. Tightness.

/// The input term `a_j·(e^{2δ} - 1)`: pushing `z_j` up by `δ` and the others
/// down moves the exact `softmax_j` by the factor
/// `e^{2δ}/(1 + a_j·(e^{2δ} - 1))`, so by `a_j·(e^{2δ} - 1)/(1 + a_j·(e^{2δ} - 1))`
/// of itself: the bound's term, less a factor that tends to 1 as `a_j → 0`.
/// Against the whole bound `ā_j·(e^{2δ} - 1 + 2ρ_j)` with
/// `ā_j = a_j·e^{2δ}·(1 + ρ)/(1 - ρ)`, the expected fraction is
/// `1/(e^{2δ}·(1 + a_j·(e^{2δ} - 1)))` less `O(ρ/δ)`: 0.996 for `δ = 10⁻³`,
/// 0.905 for `δ = 0.05`, and `a_j ≈ 0.002`. Asserted: at least 0.9 of that
/// expectation (the paths' rounding, `ρ/δ < 10⁻¹⁰`, cannot take more), and so
/// at least 1/2 of the bound.
fn input_term_for<T: Real>(worst: &mut Worst) {
    let z = DMatrix::from_row_slice(1, 5, &[0.0, -5.0, -6.0, 1.0, -4.0]).map(T::of_f64);
    let (_, a) = softmax_on::<T, Matrices>(&z);
    let j = 2; // a_j ≈ 0.0018
    for delta in [1e-3, 0.05] {
        let (zm, dev) = pushed(&z, 0, j, delta);
        let dev_z = DMatrix::from_element(1, 5, dev);
        let bound = softmax_bound(&dev_z, &z, &a);
        let (_, am) = softmax_on::<T, Loops>(&zm);
        let observed = (am[(0, j)].as_f64() - a[(0, j)].as_f64()).abs() / bound[(0, j)];
        let aj = a[(0, j)].as_f64();
        let spread = (2.0 * dev).exp_m1();
        let expected = 1.0 / ((2.0 * dev).exp() * (1.0 + aj * spread));
        println!(
            "softmax {} input term, δ {delta}: {observed:.4} of the bound, expected {expected:.4}",
            T::NAME
        );
        worst.see(
            format!("softmax {} input term δ {delta}", T::NAME),
            observed,
        );
        assert!(
            observed >= 0.9 * expected && (0.5..=1.0).contains(&observed),
            "{} softmax input term δ {delta}: {observed} of the bound, expected {expected}",
            T::NAME
        );
    }
}

/// The `|z_j - max|·u` term: `max` just below half an ulp of `|z_j| = 513`
/// (`f64`; 65 for `f32`), so `fl(z_j - max) = z_j` loses almost exactly
/// `ulp(513)/2 = 2⁻⁴⁴ = 512u` (`f32`: `2⁻¹⁸ = 64u`), and `e^{z_j - max}`
/// comes out `512u` too large, relative, on both paths. The share is
/// `ρ_j·ā_j` with `ρ_j = (513 + 2 + 4 + ln 2)·u·1.001`: the fraction is
/// `512/520.2 = 0.984` (`f32`: `64/71.8 = 0.89`), give or take the `3u` of
/// `e^x` and the division. Asserted: 0.9 (`f64`), 0.8 (`f32`).
fn subtraction_term_for<T: Real>(worst: &mut Worst) {
    let (zj, half_ulp, at_least) = if T::NAME == "f32" {
        (-65.0, 2f64.powi(-18), 0.8)
    } else {
        (-513.0, 2f64.powi(-44), 0.9)
    };
    // The largest T below half_ulp.
    let max = if T::NAME == "f32" {
        f64::from(f32::from_bits((half_ulp as f32).to_bits() - 1))
    } else {
        f64::from_bits(half_ulp.to_bits() - 1)
    };
    let z = DMatrix::from_row_slice(1, 2, &[max, zj]).map(T::of_f64);
    assert_eq!(z[(0, 0)].as_f64(), max);
    assert_eq!(z[(0, 1)] - z[(0, 0)], z[(0, 1)], "z_j - max rounds to z_j");
    let lost = max / (unit_roundoff::<T>() * (-zj + 6.0 + 2f64.ln()) * 1.001);
    for (path, f) in [
        (
            "loops",
            softmax_against_exact::<T, Loops>(worst, "subtraction", &z),
        ),
        (
            "matrix",
            softmax_against_exact::<T, Matrices>(worst, "subtraction", &z),
        ),
    ] {
        println!(
            "softmax {} {path} |z_j - max| term: {:.4} of its share, construction {lost:.4}",
            T::NAME,
            f[(0, 1)]
        );
        assert!(
            f[(0, 1)] >= at_least,
            "{} {path} softmax subtraction term reaches only {}",
            T::NAME,
            f[(0, 1)]
        );
    }
}

/// A row of `len` logits whose exponentials, added by `softmax_parts` in unit
/// order, lose as much as the search can find at every addition: `z_0 = 0`
/// (the maximum, `e^0 = 1` exactly), then each `z_k ∈ (-0.69, -0.01)` chosen
/// among 64 candidates so that `e^{z_k}` (in `T`, the paths' own `exp`) added
/// to the running sum rounds down by the most, each step's loss found exactly
/// by TwoSum. Returns the row and the total loss.
fn losing_row<T: Real>(len: usize) -> (Vec<T>, f64) {
    let mut rng = Rng(34);
    let mut row = vec![T::zero()];
    let mut s = T::one();
    let mut total = 0.0;
    for _ in 1..len {
        let mut best = (T::zero(), -1.0);
        for _ in 0..64 {
            let zk = T::of_f64(rng.uniform(-0.69, -0.01));
            let t = exp_nonpositive(zk);
            let (hi, lo) = two_sum(s.as_f64(), t.as_f64());
            let r = s + t;
            let lost = (hi - r.as_f64()) + lo; // exact: s + t - fl(s + t)
            if lost > best.1 {
                best = (zk, lost);
            }
        }
        let t = exp_nonpositive(best.0);
        row.push(best.0);
        total += best.1;
        s += t;
    }
    (row, total)
}

/// The `K` term: in a row from [`losing_row`] with `K = 256`, every
/// computed `S` is short by the chain's loss, so every `a_j` is too large by
/// `loss/S` relative, against `ρ_j ≈ (K + 4 + ln K)·u` (`|z_j - max| < 0.7`).
/// A chain that loses nearly half an ulp at every step has its loss near a
/// third of `(K - 1)·u·S` (the partial sums grow from 1 to `S`; see
/// `tightness.rs`'s `rounding_chain`); the search finds about that. Expected:
/// `loss/(S·ρ_0)` (printed); asserted: at least 1/4 for the maximum's `a_0`.
fn sum_term_for<T: Real>(worst: &mut Worst) -> (DMatrix<T>, f64) {
    let k = 256;
    let (row, lost) = losing_row::<T>(k);
    let z = DMatrix::from_row_slice(1, k, &row);
    let s_exact: f64 = row.iter().map(|&v| v.as_f64().exp()).sum();
    let u = unit_roundoff::<T>();
    let rho0 = (k as f64 + 4.0 + (k as f64).ln()) * u * 1.001;
    let expected = lost / s_exact / rho0;
    for (path, f) in [
        ("loops", softmax_against_exact::<T, Loops>(worst, "sum", &z)),
        (
            "matrix",
            softmax_against_exact::<T, Matrices>(worst, "sum", &z),
        ),
    ] {
        println!(
            "softmax {} {path} K term (K = {k}): {:.4} of its share, construction {expected:.4}",
            T::NAME,
            f[(0, 0)]
        );
        assert!(
            f[(0, 0)] >= 0.25,
            "{} {path} softmax K term reaches only {}",
            T::NAME,
            f[(0, 0)]
        );
    }
    (z, expected)
}

/// The categorical `dZ` on the same row with class 1 (so `dZ_0 = p_0/m`):
/// its error is `p_0`'s and two more roundings, its share
/// `s·(ρ_0 + 3u)·p̄_0` (the `2γ₃` part on `p̄·Σy + |y_0| = p̄`): the fraction
/// is the softmax's `K + 4 + ln K` against `K + 7 + ln K`, 0.99 of the
/// softmax's. Asserted: 1/4, for every categorical loss (one-hot rows for
/// the non-sparse ones, whose `Σy = 1` adds exactly).
///
/// The loss: `ℓ = ln S - (z_c - max)` inherits `S`'s shortfall as an
/// absolute error `loss/S`, about `0.35·(K + 4 + ln K)·u = 93u` here; its
/// share is `(max|z - max| + K + 4)·u·1.001 + 2u·ln S` for `ln S` (262u +
/// 11u), `2γ₄·(|z_c - max| + ln S + 1) ≈ 52u` for the few roundings of the
/// one nonzero term (a zero target's term is exact), and `2γ₂·|ℓ|` for the
/// mean of one row: about 335u, so the fraction is about 0.28. Asserted:
/// 1/5. (With `γ_{K+3}` for every row, as if each of the `K` terms were
/// nonzero, the fraction would be 0.02.)
fn categorical_tightness_for<T: Real>(worst: &mut Worst, z: &DMatrix<T>) {
    for (loss, sparse) in CATEGORICAL {
        let y = if sparse {
            DMatrix::from_element(1, 1, T::one())
        } else {
            DMatrix::from_fn(
                1,
                z.ncols(),
                |_, j| if j == 1 { T::one() } else { T::zero() },
            )
        };
        for (path, (f_j, _)) in [
            (
                "loops",
                categorical_against_exact::<T, Loops>(worst, "sum", loss, z, &y),
            ),
            (
                "matrix",
                categorical_against_exact::<T, Matrices>(worst, "sum", loss, z, &y),
            ),
        ] {
            let g = output_of(loss);
            let (zp, a) = if g == Activation::Softmax {
                softmax_on::<T, Loops>(z)
            } else {
                (z.clone(), z.clone())
            };
            let zero = DMatrix::zeros(1, z.ncols());
            let mut dz = DMatrix::zeros(1, z.ncols());
            loss.output_dz(&mut dz, g, &zp, &a, &y);
            let bound = output_dz_bound(loss, g, &zp, &zero, &a, &zero, &y);
            let e = exact_dz(&rows_of(&zp)[0], &rows_of(&y)[0], sparse, 1.0);
            let f0 = within_share("dZ_0", dz[(0, 0)].as_f64(), e[0], bound[(0, 0)] / 2.0);
            let name = format!("{} {} {path}", loss.keras_name(), T::NAME);
            println!("{name}: dZ_0 {f0:.4}, J {f_j:.4} of its share");
            assert!(f0 >= 0.25, "{name} dZ_0 reaches only {f0}");
            assert!(f_j >= 0.2, "{name} J reaches only {f_j}");
        }
    }
}

#[test]
fn crafted_rows_reach_a_stated_fraction_of_the_softmax_bounds() {
    let mut worst = Worst::default();
    input_term_for::<f64>(&mut worst);
    input_term_for::<f32>(&mut worst);
    subtraction_term_for::<f64>(&mut worst);
    subtraction_term_for::<f32>(&mut worst);
    let (z64, _) = sum_term_for::<f64>(&mut worst);
    let (z32, _) = sum_term_for::<f32>(&mut worst);
    categorical_tightness_for::<f64>(&mut worst, &z64);
    categorical_tightness_for::<f32>(&mut worst, &z32);
    worst.print("crafted softmax rows, worst over each path's elements");
}
