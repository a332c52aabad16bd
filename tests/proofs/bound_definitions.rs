//! The dense layer's rounding bounds (`dense_forward_bound`, `dense_backward_dz_bound`,
//! `softmax_bound` in `dualpath::proof::bounds`) pinned three ways, since the
//! equivalence suite only checks `difference ≤ bound` on random data, where a
//! bound ten times too small or a thousand times too large goes unnoticed:
//!
//! 1. **Definition.** Each bound recomputed element by element, with plain
//!    loops, from its formula as `docs/06-what-identical-means.md` and the
//!    comments of `bounds.rs` state it, with `u`, `η` and `OWN_ROUNDING`
//!    restated here rather than read from the crate.
//! 2. **Soundness.** Each path's own error against the exact result is within
//!    its share of the bound, half of the two-path bound (each path is within
//!    `γ_k·Σ|terms|` of the exact value, so the two within twice that), on
//!    cancelling, long, underflowing and crafted sums and on saturated and
//!    steep activations.
//! 3. **Tightness.** Sums built so that every addition of a path rounds the
//!    same way by nearly half an ulp reach a stated fraction of that share,
//!    so a bound ten times too large fails as surely as one too small.
//!
//! The model is the docs' one: `fl(a ∘ b) = (a ∘ b)(1 + θ)`, `|θ| ≤ u`,
//! `γ_n = n·u/(1 - n·u)` (Higham, *Accuracy and Stability of Numerical
//! Algorithms*, 2nd ed., §3.1).

use crate::common::kernels::{self, Loops, Matrices, OnPath};
use dualpath::proof::bounds::{dense_backward_dz_bound, dense_forward_bound, softmax_bound};
use dualpath::{Activation, Real};
use nalgebra::{DMatrix, DVector};

// ---------------------------------------------------------------------------
// The constants, restated from the docs rather than read from the crate.

/// `u`: `2⁻²⁴` for `f32`, `2⁻⁵³` for `f64` (docs chapter 6).
fn unit_roundoff<T: Real>() -> f64 {
    if T::NAME == "f32" {
        2f64.powi(-24)
    } else {
        2f64.powi(-53)
    }
}

/// `η`, the type's smallest subnormal (`2⁻¹⁴⁹`, `2⁻¹⁰⁷⁴`): the absolute
/// error floor of a product that underflows is `η/2`.
fn eta<T: Real>() -> f64 {
    if T::NAME == "f32" {
        f64::from(f32::from_bits(1))
    } else {
        f64::from_bits(1)
    }
}

/// `γ_n` of type `T`, `n·u/(1 - n·u)`.
fn gamma_of<T: Real>(n: usize) -> f64 {
    let nu = n as f64 * unit_roundoff::<T>();
    nu / (1.0 - nu)
}

/// `γ_n` of `f64`, for the error of the tests' own `f64` arithmetic.
fn gamma64(n: usize) -> f64 {
    gamma_of::<f64>(n)
}

/// The enlargement every bound gets for its own `f64` rounding, `1 + 10⁻⁹`
/// (docs chapter 6, "Carried through the layers").
const OWN: f64 = 1.0 + 1e-9;

/// `(lip, err)` of an element-wise activation, from the comments of
/// `bounds.rs`'s `constants`: linear and relu are exact with slope at most
/// 1; sigmoid has slope at most ¼ and is evaluated within `6u` relative;
/// tanh slope 1, `6u`.
fn lip_err(g: Activation) -> (f64, f64) {
    match g {
        Activation::Linear | Activation::Relu => (1.0, 0.0),
        Activation::Sigmoid => (0.25, 6.0),
        Activation::Tanh => (1.0, 6.0),
        Activation::Softmax => unreachable!("softmax has its own bound"),
    }
}

// ---------------------------------------------------------------------------
// Data.

/// A small deterministic generator (SplitMix64), so that every case is the
/// same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next() >> 11) as f64 / (1u64 << 53) as f64)
    }

    fn matrix<T: Real>(&mut self, rows: usize, cols: usize, lo: f64, hi: f64) -> DMatrix<T> {
        DMatrix::from_fn(rows, cols, |_, _| T::of_f64(self.uniform(lo, hi)))
    }
}

fn abs_f64<T: Real>(x: T) -> f64 {
    x.as_f64().abs()
}

/// Deviations: zero, or a random fraction of `scale` times each value's size
/// plus a small floor (so that zeros get deviations too).
fn deviations<T: Real>(rng: &mut Rng, x: &DMatrix<T>, scale: f64) -> DMatrix<f64> {
    x.map(|v| scale * rng.uniform(0.0, 1.0) * (abs_f64(v) + 1e-3))
}

// ---------------------------------------------------------------------------
// 1. The definitions.

/// `|got - want| ≤ tol·want`. Both sides are sums of at most `terms + 8`
/// non-negative `f64` numbers (products, the `γ` factors, `η`, the final
/// `OWN`), computed in different orders: each within `γ_{terms+8}` (of
/// `f64`) of the exact value relative to it (Higham §3.1, all terms of one
/// sign), so they agree within `2·γ_{terms+8}` of `want`; allowed: twice
/// that. This is far below `OWN - 1 = 10⁻⁹` and below one part in `10⁹` of
/// any term, so a changed operator or constant anywhere stands out.
fn assert_same(what: &str, got: f64, want: f64, terms: usize) {
    let tol = 4.0 * gamma64(terms + 8) * want.abs();
    assert!(
        (got - want).abs() <= tol && got.is_finite() == want.is_finite(),
        "{what}: the crate's bound {got:e}, its definition {want:e} (tolerance {tol:e})"
    );
}

/// `Z`'s bound by its definition: for each element,
/// `(δA_in·|W| + 2γ_{n_in+1}·((|A_in| + δA_in)·|W| + |b|) + (n_in+1)·η)·OWN`
/// (the code comment of `dense_forward_bound`; with `δA_in = 0` the docs'
/// `2·γ_{n_in+1}·(|A_in||W| + |B|)` plus the underflow floor).
fn z_definition<T: Real>(
    a_in: &DMatrix<T>,
    dev_a_in: &DMatrix<f64>,
    w: &DMatrix<T>,
    b: &DVector<T>,
) -> DMatrix<f64> {
    let (m, n_in) = a_in.shape();
    let units = w.ncols();
    let g = gamma_of::<T>(n_in + 1);
    let mut out = DMatrix::zeros(m, units);
    for i in 0..m {
        for j in 0..units {
            let mut carried = 0.0;
            let mut terms = abs_f64(b[j]);
            for k in 0..n_in {
                let wk = abs_f64(w[(k, j)]);
                carried += dev_a_in[(i, k)] * wk;
                terms += (abs_f64(a_in[(i, k)]) + dev_a_in[(i, k)]) * wk;
            }
            out[(i, j)] = (carried + 2.0 * g * terms + (n_in + 1) as f64 * eta::<T>()) * OWN;
        }
    }
    out
}

/// `A`'s bound for an element-wise `g` by its definition:
/// `(lip·δZ + 2·err·u·(|a| + lip·δZ) + 8η)·OWN` (`dense_forward_bound`'s
/// comment: `g`'s slope times `δZ`, plus each path's evaluation error).
fn a_definition<T: Real>(g: Activation, dev_z: &DMatrix<f64>, a: &DMatrix<T>) -> DMatrix<f64> {
    let (lip, err) = lip_err(g);
    let u = unit_roundoff::<T>();
    let mut out = DMatrix::zeros(a.nrows(), a.ncols());
    for i in 0..a.nrows() {
        for j in 0..a.ncols() {
            let d = dev_z[(i, j)];
            out[(i, j)] =
                (lip * d + 2.0 * err * u * (abs_f64(a[(i, j)]) + lip * d) + 8.0 * eta::<T>()) * OWN;
        }
    }
    out
}

/// `dA_in`, `dW` and `db`'s bounds by their definitions (the comments of
/// `dense_backward_dz_bound`; the docs' `γ_units`, `γ_m`, `γ_{m-1}`), with
/// `dZ̄ = |dZ| + δdZ` and `Ā_in = |A_in| + δA_in`:
/// - `dW_kj`: `(Σ_i δA_in_ik·dZ̄_ij + |A_in_ik|·δdZ_ij + 2γ_m·Ā_in_ik·dZ̄_ij + m·η)·OWN`;
/// - `db_j`: `(Σ_i δdZ_ij + 2γ_{m-1}·dZ̄_ij)·OWN` (no products, nothing underflows);
/// - `dA_in_ik`: `(Σ_j δdZ_ij·|W_kj| + 2γ_units·dZ̄_ij·|W_kj| + units·η)·OWN`.
fn backward_definition<T: Real>(
    dz: &DMatrix<T>,
    dev_dz: &DMatrix<f64>,
    a_in: &DMatrix<T>,
    dev_a_in: &DMatrix<f64>,
    w: &DMatrix<T>,
) -> (DMatrix<f64>, DMatrix<f64>, DVector<f64>) {
    let (m, units) = dz.shape();
    let n_in = a_in.ncols();
    let dz_bar = |i: usize, j: usize| abs_f64(dz[(i, j)]) + dev_dz[(i, j)];
    let (g_m, g_sum, g_units) = (
        gamma_of::<T>(m),
        gamma_of::<T>(m.saturating_sub(1)),
        gamma_of::<T>(units),
    );
    let mut dw = DMatrix::zeros(n_in, units);
    for k in 0..n_in {
        for j in 0..units {
            let mut s = 0.0;
            for i in 0..m {
                let x = abs_f64(a_in[(i, k)]);
                s += dev_a_in[(i, k)] * dz_bar(i, j)
                    + x * dev_dz[(i, j)]
                    + 2.0 * g_m * (x + dev_a_in[(i, k)]) * dz_bar(i, j);
            }
            dw[(k, j)] = (s + m as f64 * eta::<T>()) * OWN;
        }
    }
    let mut db = DVector::zeros(units);
    for j in 0..units {
        let mut s = 0.0;
        for i in 0..m {
            s += dev_dz[(i, j)] + 2.0 * g_sum * dz_bar(i, j);
        }
        db[j] = s * OWN;
    }
    let mut da_in = DMatrix::zeros(m, n_in);
    for i in 0..m {
        for k in 0..n_in {
            let mut s = 0.0;
            for j in 0..units {
                let wk = abs_f64(w[(k, j)]);
                s += dev_dz[(i, j)] * wk + 2.0 * g_units * dz_bar(i, j) * wk;
            }
            da_in[(i, k)] = (s + units as f64 * eta::<T>()) * OWN;
        }
    }
    (da_in, dw, db)
}

/// The softmax bound by its definition (the doc comment of
/// `softmax_bound`), row by row with `δ = max_j δZ_ij`, `K` classes:
/// `ρ_j = (|z_j - max| + δ + K + 4)·u·(1 + 10⁻³)`,
/// `ā_j = a_j·(1 + ρ_j)/(1 - ρ_j)·e^{2δ}`, and the bound
/// `(ā_j·(e^{2δ} - 1) + 2ρ_j·ā_j + 8η)·OWN`. The comment's input term is
/// `softmax(z)_j·(e^{2δ} - 1)` with the exact softmax of the matrix path's
/// `z`; `ā_j` bounds it (by `e^{2δ}` more than needed, a second-order excess).
fn softmax_definition<T: Real>(
    dev_z: &DMatrix<f64>,
    z: &DMatrix<T>,
    a: &DMatrix<T>,
) -> DMatrix<f64> {
    let u = unit_roundoff::<T>();
    let (m, k) = z.shape();
    let mut out = DMatrix::zeros(m, k);
    for i in 0..m {
        let mut delta: f64 = 0.0;
        let mut max = f64::NEG_INFINITY;
        for j in 0..k {
            delta = delta.max(dev_z[(i, j)]);
            max = max.max(z[(i, j)].as_f64());
        }
        let spread = (2.0 * delta).exp_m1(); // e^{2δ} - 1, without cancelling
        for j in 0..k {
            let rho = ((max - z[(i, j)].as_f64()) + delta + k as f64 + 4.0) * u * 1.001;
            let a_bar = a[(i, j)].as_f64() * (1.0 + rho) / (1.0 - rho) * (2.0 * delta).exp();
            out[(i, j)] = (a_bar * spread + 2.0 * rho * a_bar + 8.0 * eta::<T>()) * OWN;
        }
    }
    out
}

/// One layer's shapes and values for the definition checks.
struct Shape {
    m: usize,
    n_in: usize,
    units: usize,
}

const SHAPES: [Shape; 5] = [
    Shape {
        m: 1,
        n_in: 1,
        units: 1,
    },
    Shape {
        m: 3,
        n_in: 7,
        units: 2,
    },
    Shape {
        m: 8,
        n_in: 17,
        units: 5,
    },
    Shape {
        m: 2,
        n_in: 40,
        units: 9,
    },
    Shape {
        m: 13,
        n_in: 3,
        units: 11,
    },
];

/// Inputs with some exact zeros: a zero row of `A_in`, a zero column of
/// `W`, a zero bias, so that some elements' bound is the `η` floor alone.
fn layer_inputs<T: Real>(
    rng: &mut Rng,
    s: &Shape,
    scale: f64,
) -> (DMatrix<T>, DMatrix<T>, DVector<T>) {
    let mut a_in = rng.matrix::<T>(s.m, s.n_in, -4.0 * scale, 4.0 * scale);
    let mut w = rng.matrix::<T>(s.n_in, s.units, -2.0, 2.0);
    let mut b = DVector::from_fn(s.units, |_, _| T::of_f64(rng.uniform(-2.0, 2.0)));
    if s.m > 1 {
        a_in.row_mut(s.m - 1).fill(T::zero());
    }
    if s.units > 1 {
        w.column_mut(s.units - 1).fill(T::zero());
        b[s.units - 1] = T::zero();
    }
    (a_in, w, b)
}

fn forward_definitions_for<T: Real>() {
    let mut rng = Rng(17);
    for s in &SHAPES {
        for dev_scale in [0.0, 1e-6, 0.3] {
            let (a_in, w, b) = layer_inputs::<T>(&mut rng, s, 1.0);
            let dev = deviations(&mut rng, &a_in, dev_scale);
            for g in [
                Activation::Linear,
                Activation::Relu,
                Activation::Sigmoid,
                Activation::Tanh,
            ] {
                let layer = kernels::layer(&w, &b, g);
                let mat = kernels::forward::<T, Matrices>(&a_in, &layer);
                let (bz, ba) = dense_forward_bound(&a_in, &dev, &w, &b, g, &mat.z, &mat.a);
                let want_z = z_definition(&a_in, &dev, &w, &b);
                let want_a = a_definition(g, &want_z, &mat.a);
                for i in 0..s.m {
                    for j in 0..s.units {
                        let at = format!("{} {g:?} δ·{dev_scale} [{i}, {j}]", T::NAME);
                        assert_same(&format!("Z {at}"), bz[(i, j)], want_z[(i, j)], 2 * s.n_in);
                        assert_same(&format!("A {at}"), ba[(i, j)], want_a[(i, j)], 2 * s.n_in);
                    }
                }
            }
        }
    }
}

fn backward_definitions_for<T: Real>() {
    let mut rng = Rng(18);
    for s in &SHAPES {
        for (dev_in, dev_dz) in [(0.0, 0.0), (0.0, 1e-5), (1e-5, 0.0), (0.2, 0.1)] {
            let (a_in, w, _) = layer_inputs::<T>(&mut rng, s, 1.0);
            let mut dz = rng.matrix::<T>(s.m, s.units, -0.5, 0.5);
            if s.units > 1 {
                dz.column_mut(0).fill(T::zero());
            }
            let dev_a_in = deviations(&mut rng, &a_in, dev_in);
            let dev_dz_m = deviations(&mut rng, &dz, dev_dz);
            for need in [true, false] {
                let (bda, bdw, bdb) =
                    dense_backward_dz_bound(&dz, &dev_dz_m, &a_in, &dev_a_in, &w, need);
                let (want_da, want_dw, want_db) =
                    backward_definition(&dz, &dev_dz_m, &a_in, &dev_a_in, &w);
                let at = format!("{} δA_in·{dev_in} δdZ·{dev_dz}", T::NAME);
                for (idx, (&got, &want)) in bdw.iter().zip(want_dw.iter()).enumerate() {
                    assert_same(&format!("dW {at} #{idx}"), got, want, 3 * s.m);
                }
                for (j, (&got, &want)) in bdb.iter().zip(want_db.iter()).enumerate() {
                    assert_same(&format!("db {at} [{j}]"), got, want, 2 * s.m);
                }
                match (need, bda) {
                    (true, Some(bda)) => {
                        for (idx, (&got, &want)) in bda.iter().zip(want_da.iter()).enumerate() {
                            assert_same(&format!("dA_in {at} #{idx}"), got, want, 2 * s.units);
                        }
                    }
                    (false, None) => {}
                    (need, got) => panic!("dA_in asked {need}, bound given {}", got.is_some()),
                }
            }
        }
    }
}

fn softmax_definitions_for<T: Real>() {
    let mut rng = Rng(19);
    for s in &SHAPES {
        for (z_scale, dev_scale) in [(1.0, 0.0), (1.0, 1e-6), (30.0, 0.0), (30.0, 1e-3)] {
            let z = rng.matrix::<T>(s.m, s.units, -z_scale, z_scale);
            let mut a = DMatrix::zeros(s.m, s.units);
            Activation::Softmax.activate(&z, &mut a);
            let dev = deviations(&mut rng, &z, dev_scale);
            let got = softmax_bound(&dev, &z, &a);
            let want = softmax_definition(&dev, &z, &a);
            for (idx, (&g, &w)) in got.iter().zip(want.iter()).enumerate() {
                let at = format!("softmax {} z·{z_scale} δ·{dev_scale} #{idx}", T::NAME);
                assert_same(&at, g, w, 2 * s.units);
            }
        }
    }
}

#[test]
fn dense_forward_bound_is_its_definition() {
    forward_definitions_for::<f64>();
    forward_definitions_for::<f32>();
}

#[test]
fn dense_backward_dz_bound_is_its_definition() {
    backward_definitions_for::<f64>();
    backward_definitions_for::<f32>();
}

#[test]
fn softmax_bound_is_its_definition() {
    softmax_definitions_for::<f64>();
    softmax_definitions_for::<f32>();
}

// ---------------------------------------------------------------------------
// 2. Each path against the exact result.

/// `(s, e)` with `s = fl(a + b)` and `s + e = a + b` exactly (Knuth's
/// TwoSum, Higham §4.3).
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// A dot product in about twice `f64`'s precision, kept as the unevaluated
/// sum `hi + lo`, with a bound on its own error.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Exact {
    hi: f64,
    lo: f64,
    /// Bound on `|hi + lo - exact|`.
    err: f64,
}

impl Exact {
    /// `|got - (hi + lo)|`, to within a relative `2u₆₄` of itself: `got - hi`
    /// is split exactly by TwoSum, so only the last two roundings remain.
    fn distance(&self, got: f64) -> f64 {
        let (d, e) = two_sum(got, -self.hi);
        (d + (e - self.lo)).abs()
    }
}

/// `Σ x_k·y_k` by Dot2 (Ogita, Rump and Oishi, "Accurate sum and dot
/// product", SIAM J. Sci. Comput. 26(6), 2005, §5) without its final
/// rounding: each product split exactly into `p + e` by TwoProduct (here one
/// fused multiply-add, exact unless it underflows, which the cases here
/// avoid), the `p` summed by TwoSum into `hi`, every error term gathered in
/// `lo`. Then `hi + lo` is within `γ_n²·Σ|x_k·y_k|` of the exact value
/// (`f64`'s `γ`; their bound `u·|xᵀy| + γ_n²·|x|ᵀ|y|` less the final
/// rounding's `u·|xᵀy|`); `err` is twice that, for the rounding of the
/// `f64` sum of sizes. For `f32` inputs every product is exact in `f64`.
fn dot2(pairs: impl IntoIterator<Item = (f64, f64)>) -> Exact {
    let (mut s, mut c, mut size, mut n) = (0.0, 0.0, 0.0, 0usize);
    for (x, y) in pairs {
        let p = x * y;
        let ep = x.mul_add(y, -p);
        let (t, es) = two_sum(s, p);
        s = t;
        c += ep + es;
        size += p.abs();
        n += 1;
    }
    let g = gamma64(n);
    Exact {
        hi: s,
        lo: c,
        err: 2.0 * g * g * size,
    }
}

/// The worst fraction of its share each path used, for the report.
#[derive(Default)]
struct Worst(Vec<(String, f64)>);

impl Worst {
    fn see(&mut self, what: String, fraction: f64) {
        match self.0.iter_mut().find(|(w, _)| *w == what) {
            Some((_, f)) => *f = f.max(fraction),
            None => self.0.push((what, fraction)),
        }
    }

    fn print(&self, title: &str) {
        println!("{title}: observed error ÷ the path's share of the bound");
        for (what, f) in &self.0 {
            println!("  {what:<40} {f:.4}");
        }
    }
}

/// Asserts `|got - exact| ≤ share + exact.err` and returns the fraction
/// `|got - exact| / share`.
fn within_share(what: &str, got: f64, exact: Exact, share: f64) -> f64 {
    let diff = exact.distance(got);
    let slack = exact.err + 2.0 * unit_roundoff::<f64>() * diff;
    assert!(
        diff <= share + slack,
        "{what}: the path is {diff:e} from the exact {:e}, its share of the bound is {share:e}",
        exact.hi
    );
    if diff == 0.0 { 0.0 } else { diff / share }
}

/// `Z = A_in·W + b`, every element exactly (up to `Exact::err`).
fn exact_z<T: Real>(a_in: &DMatrix<T>, w: &DMatrix<T>, b: &DVector<T>) -> DMatrix<Exact> {
    DMatrix::from_fn(a_in.nrows(), w.ncols(), |i, j| {
        dot2(
            (0..a_in.ncols())
                .map(|k| (a_in[(i, k)].as_f64(), w[(k, j)].as_f64()))
                .chain([(b[j].as_f64(), 1.0)]),
        )
    })
}

/// `g` of an exact `z`: linear and relu exactly; `σ` and `tanh` (for `f32`
/// paths only) by `f64`'s functions of `hi + lo`, which are within a few
/// `f64` ulps (`2⁻²⁹` of `f32`'s `u`): allowed `16·u₆₄·|g|`, plus the slope
/// times `z`'s own error and the rounding of `hi + lo`.
fn g_exact(g: Activation, z: Exact) -> Exact {
    let u64 = unit_roundoff::<f64>();
    let zero = Exact {
        hi: 0.0,
        lo: 0.0,
        err: 0.0,
    };
    let v = z.hi + z.lo;
    let a = match g {
        Activation::Linear => return z,
        Activation::Relu if v > 0.0 => return z,
        Activation::Relu if v < 0.0 => return zero,
        Activation::Relu => {
            return Exact {
                err: z.err + z.lo.abs(),
                ..zero
            };
        }
        Activation::Sigmoid if v >= 0.0 => 1.0 / (1.0 + (-v).exp()),
        Activation::Sigmoid => v.exp() / (1.0 + v.exp()),
        Activation::Tanh => v.tanh(),
        Activation::Softmax => unreachable!(),
    };
    let lip = lip_err(g).0;
    Exact {
        hi: a,
        lo: 0.0,
        err: lip * (z.err + u64 * v.abs()) + 16.0 * u64 * a.abs(),
    }
}

/// One path's forward on `(a_in, w, b)` against the exact `Z` (and, where
/// `g` is exactly computable here, `A`), within half of each bound.
fn forward_against_exact<T: Real, K: OnPath>(
    worst: &mut Worst,
    case: &str,
    a_in: &DMatrix<T>,
    w: &DMatrix<T>,
    b: &DVector<T>,
    g: Activation,
) -> DMatrix<f64> {
    let path = if K::PATH == dualpath::Path::Matrix {
        "matrix"
    } else {
        "loops"
    };
    let layer = kernels::layer(w, b, g);
    let got = kernels::forward::<T, K>(a_in, &layer);
    let mat = kernels::forward::<T, Matrices>(a_in, &layer);
    let zero = DMatrix::zeros(a_in.nrows(), a_in.ncols());
    let (bz, ba) = dense_forward_bound(a_in, &zero, w, b, g, &mat.z, &mat.a);
    let exact = exact_z(a_in, w, b);
    let mut fractions = DMatrix::zeros(bz.nrows(), bz.ncols());
    // A's exact value: g exactly computable in f64 only for f32 paths
    // (sigmoid, tanh) or for linear and relu in either type.
    let a_checked = T::NAME == "f32" || matches!(g, Activation::Linear | Activation::Relu);
    for i in 0..bz.nrows() {
        for j in 0..bz.ncols() {
            let what = format!("{case} {} {path} Z[{i}, {j}]", T::NAME);
            let f = within_share(
                &what,
                got.z[(i, j)].as_f64(),
                exact[(i, j)],
                bz[(i, j)] / 2.0,
            );
            fractions[(i, j)] = f;
            worst.see(format!("Z {} {path}", T::NAME), f);
            if a_checked {
                let a_exact = g_exact(g, exact[(i, j)]);
                let what = format!("{case} {} {path} {g:?} A[{i}, {j}]", T::NAME);
                let f = within_share(&what, got.a[(i, j)].as_f64(), a_exact, ba[(i, j)] / 2.0);
                worst.see(format!("A {g:?} {} {path}", T::NAME), f);
            }
        }
    }
    fractions
}

/// A named forward case: `(name, A_in, W, b)`.
type ForwardCase<T> = (&'static str, DMatrix<T>, DMatrix<T>, DVector<T>);

/// Adversarial forward inputs, `(name, A_in, W, b)`:
/// - random values of both signs;
/// - cancellation: products of about ±10³ alternating in sign plus terms of
///   about 1, so `Z` is tiny against `Σ|terms|`;
/// - saturated and steep: `Z` from -40 to 40 and near 0 (sigmoid's and
///   tanh's flat tails and steepest point);
/// - one long sum, `n_in = 3000` (twelve of the matrix kernel's blocks of
///   256), with cancellation.
fn forward_cases<T: Real>() -> Vec<ForwardCase<T>> {
    let mut rng = Rng(20);
    let mut cases = Vec::new();
    let random = (
        rng.matrix::<T>(5, 37, -4.0, 4.0),
        rng.matrix::<T>(37, 6, -2.0, 2.0),
        DVector::from_fn(6, |_, _| T::of_f64(rng.uniform(-2.0, 2.0))),
    );
    cases.push(("random", random.0, random.1, random.2));
    let cancel = |rng: &mut Rng, m: usize, n: usize, units: usize| {
        let a = DMatrix::from_fn(m, n, |_, k| {
            let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
            T::of_f64(sign * 1e3 * rng.uniform(0.99, 1.01))
        });
        let w = DMatrix::from_fn(n, units, |_, _| T::of_f64(rng.uniform(0.999, 1.001)));
        let b = DVector::from_fn(units, |_, _| T::of_f64(rng.uniform(-1.0, 1.0)));
        (a, w, b)
    };
    let (a, w, b) = cancel(&mut rng, 4, 64, 5);
    cases.push(("cancelling", a, w, b));
    // Z spread over [-40, 40] by the scale of each row, and rows near 0.
    let mut a = rng.matrix::<T>(8, 12, -1.0, 1.0);
    for (i, mut row) in a.row_iter_mut().enumerate() {
        let scale = [10.0, 4.0, 1.0, 0.1, 1e-3, 1e-6, 2.0, 6.0][i];
        row.iter_mut()
            .for_each(|v| *v = T::of_f64(v.as_f64() * scale));
    }
    let w = rng.matrix::<T>(12, 7, -1.0, 1.0);
    let b = DVector::from_fn(7, |_, _| T::of_f64(rng.uniform(-0.01, 0.01)));
    cases.push(("saturated and steep", a, w, b));
    let (a, w, b) = cancel(&mut rng, 2, 3000, 2);
    cases.push(("long cancelling", a, w, b));
    cases
}

fn forward_soundness_for<T: Real>(worst: &mut Worst) {
    for (case, a_in, w, b) in forward_cases::<T>() {
        for g in [
            Activation::Linear,
            Activation::Relu,
            Activation::Sigmoid,
            Activation::Tanh,
        ] {
            if case == "long cancelling" && g != Activation::Linear {
                continue; // one long case is enough: it is Z that sums.
            }
            forward_against_exact::<T, Loops>(worst, case, &a_in, &w, &b, g);
            forward_against_exact::<T, Matrices>(worst, case, &a_in, &w, &b, g);
        }
    }
}

#[test]
fn each_path_is_within_its_share_of_the_forward_bound() {
    let mut worst = Worst::default();
    forward_soundness_for::<f64>(&mut worst);
    forward_soundness_for::<f32>(&mut worst);
    worst.print("forward, random, cancelling, saturated, long");
}

/// One path's `dense_backward_dz` against the exact `dW`, `db`, `dA_in`,
/// within half of each bound (the same inputs on both paths: no `δ`).
fn backward_against_exact<T: Real, K: OnPath>(
    worst: &mut Worst,
    case: &str,
    dz: &DMatrix<T>,
    a_in: &DMatrix<T>,
    w: &DMatrix<T>,
) -> (DMatrix<f64>, DVector<f64>, DMatrix<f64>) {
    let path = if K::PATH == dualpath::Path::Matrix {
        "matrix"
    } else {
        "loops"
    };
    let layer = kernels::layer(w, &DVector::zeros(w.ncols()), Activation::Linear);
    let got = kernels::backward_dz::<T, K>(dz, a_in, &layer, true);
    let (m, units) = dz.shape();
    let n_in = a_in.ncols();
    let zero_dz = DMatrix::zeros(m, units);
    let zero_in = DMatrix::zeros(m, n_in);
    let (bda, bdw, bdb) = dense_backward_dz_bound(dz, &zero_dz, a_in, &zero_in, w, true);
    let bda = bda.expect("asked for dA_in");
    let name = T::NAME;
    let mut f_dw = DMatrix::zeros(n_in, units);
    for k in 0..n_in {
        for j in 0..units {
            let e = dot2((0..m).map(|i| (a_in[(i, k)].as_f64(), dz[(i, j)].as_f64())));
            let what = format!("{case} {name} {path} dW[{k}, {j}]");
            let f = within_share(&what, got.dw[(k, j)].as_f64(), e, bdw[(k, j)] / 2.0);
            f_dw[(k, j)] = f;
            worst.see(format!("dW {name} {path}"), f);
        }
    }
    let mut f_db = DVector::zeros(units);
    for j in 0..units {
        let e = dot2((0..m).map(|i| (dz[(i, j)].as_f64(), 1.0)));
        let what = format!("{case} {name} {path} db[{j}]");
        f_db[j] = within_share(&what, got.db[j].as_f64(), e, bdb[j] / 2.0);
        worst.see(format!("db {name} {path}"), f_db[j]);
    }
    let da_in = got.da_in.expect("asked for dA_in");
    let mut f_da = DMatrix::zeros(m, n_in);
    for i in 0..m {
        for k in 0..n_in {
            let e = dot2((0..units).map(|j| (dz[(i, j)].as_f64(), w[(k, j)].as_f64())));
            let what = format!("{case} {name} {path} dA_in[{i}, {k}]");
            f_da[(i, k)] = within_share(&what, da_in[(i, k)].as_f64(), e, bda[(i, k)] / 2.0);
            worst.see(format!("dA_in {name} {path}"), f_da[(i, k)]);
        }
    }
    (f_dw, f_db, f_da)
}

/// A named backward case: `(name, dZ, A_in, W)`.
type BackwardCase<T> = (&'static str, DMatrix<T>, DMatrix<T>, DMatrix<T>);

/// Adversarial backward inputs, `(name, dZ, A_in, W)`: random; cancelling
/// (`dZ` and `W` alternating about ±10³ so every sum cancels); long
/// (`m = 2000`, eight blocks of the matrix kernel's 256, with cancellation).
fn backward_cases<T: Real>() -> Vec<BackwardCase<T>> {
    let mut rng = Rng(21);
    let alternating = |rng: &mut Rng, rows: usize, cols: usize, by_row: bool| {
        DMatrix::from_fn(rows, cols, |i, j| {
            let sign = if (if by_row { i } else { j }) % 2 == 0 {
                1.0
            } else {
                -1.0
            };
            T::of_f64(sign * 1e3 * rng.uniform(0.99, 1.01))
        })
    };
    let mut cases = vec![(
        "random",
        rng.matrix::<T>(9, 6, -0.5, 0.5),
        rng.matrix::<T>(9, 13, -4.0, 4.0),
        rng.matrix::<T>(13, 6, -2.0, 2.0),
    )];
    let dz = alternating(&mut rng, 48, 40, true);
    let a_in = rng.matrix::<T>(48, 5, 0.99, 1.01);
    let w = alternating(&mut rng, 5, 40, false);
    // dW sums down dZ's alternating rows; dA_in along W's alternating columns.
    cases.push(("cancelling", dz, a_in, w));
    let dz = alternating(&mut rng, 2000, 2, true);
    let a_in = rng.matrix::<T>(2000, 2, 0.99, 1.01);
    let w = rng.matrix::<T>(2, 2, -1.0, 1.0);
    cases.push(("long cancelling", dz, a_in, w));
    cases
}

fn backward_soundness_for<T: Real>(worst: &mut Worst) {
    for (case, dz, a_in, w) in backward_cases::<T>() {
        backward_against_exact::<T, Loops>(worst, case, &dz, &a_in, &w);
        backward_against_exact::<T, Matrices>(worst, case, &dz, &a_in, &w);
    }
}

#[test]
fn each_path_is_within_its_share_of_the_backward_bound() {
    let mut worst = Worst::default();
    backward_soundness_for::<f64>(&mut worst);
    backward_soundness_for::<f32>(&mut worst);
    worst.print("backward, random, cancelling, long");
}

// ---------------------------------------------------------------------------
// 3. Tightness: sums that round the same way at every step.

/// The spacing of `T`'s numbers just above `r > 0`.
fn ulp_above<T: Real>(r: T) -> f64 {
    if T::NAME == "f32" {
        let r = r.as_f64() as f32;
        f64::from(f32::from_bits(r.to_bits() + 1)) - f64::from(r)
    } else {
        let r = r.as_f64();
        f64::from_bits(r.to_bits() + 1) - r
    }
}

/// `len` terms of about 1 whose running sum, added one after another from
/// zero in `T`, rounds down at every step by as much as the terms' grid
/// allows, and the sum of those rounding errors.
///
/// Step `k` with partial sum `s` (an integer, `k - 1`): `r = s + 1` is
/// representable, and the term `t = 1 + (ulp(r)/2 - g)`, with `g = 2u` the
/// spacing of numbers in `[1, 2)`, makes the exact sum `r + ulp(r)/2 - g`:
/// just below the midpoint, so it rounds down to `r` with error
/// `ulp(r)/2 - g = u·(2^e - 2)` for `r` in `[2^e, 2^{e+1})`, nearly half an
/// ulp, the most a rounding to nearest can lose (`u·2^e`) less the grid of
/// the terms. Summed over `k = 1..len` with `r = k`: `u·Σ_k (2^{⌊log₂k⌋} - 2)⁺`,
/// 21590·u for 256 terms and 310·u for 32, against `γ_n·Σ|t| ≈ n²·u`:
/// fractions 0.33 and 0.30 of a single chain's `γ`. The function checks
/// every step's rounding as it builds the terms.
fn rounding_chain<T: Real>(len: usize) -> (Vec<T>, f64) {
    let g = 2.0 * unit_roundoff::<T>();
    let (mut s, mut total) = (T::zero(), 0.0);
    let mut terms = Vec::with_capacity(len);
    for _ in 0..len {
        let r = s + T::one();
        let lost = (ulp_above(r) / 2.0 - g).max(0.0);
        let t = T::of_f64((r.as_f64() - s.as_f64()) + lost);
        assert_eq!(s + t, r, "the chain's step rounds to r");
        let (hi, lo) = two_sum(s.as_f64(), t.as_f64());
        assert_eq!(
            (hi - r.as_f64()) + lo,
            lost,
            "the chain's step loses {lost:e}"
        );
        terms.push(t);
        total += lost;
        s = r;
    }
    (terms, total)
}

/// Each value of `chain` eight times over, `out[8q + l] = chain[q]`: in a
/// sum kept as eight running sums by `index mod 8`, every running sum is the
/// same chain, and adding the eight equal results pairwise is exact (`x + x
/// = 2x`), so the whole error is eight times the chain's.
fn in_eight_lanes<T: Real>(chain: &[T]) -> Vec<T> {
    chain.iter().flat_map(|&c| [c; 8]).collect()
}

/// `Z`: row 0 of `A_in` is a 256-term chain, which the matrix path adds as
/// one chain of multiply-adds from zero (its kernel's block of 256 along
/// `k`; `W = 1`, so every product is exact, fused or not, and `b = 0` adds
/// nothing). Row 1 is a 32-term chain in eight lanes, which the loop
/// path's `sequential::dot` keeps as its eight running sums `s[k mod 8]`
/// (256 = 32·8: no tail). The path meant for a row must reach the
/// fraction of its share `γ_257·Σ|terms|` (`n_in + 1 = 257`) that its
/// construction guarantees (see `rounding_chain`): the matrix path
/// 21590/(257·256) = 0.328, asserted at least 1/4; the loop path
/// 8·310/(257·256) = 0.0377, asserted at least 1/32. The loop path cannot
/// come near the matrix path's fraction: its longest chains are 32
/// additions, so its error is at most about `γ_35·Σ|terms|`, 1/7 of
/// `γ_257`'s, and a chain rounding by nearly half an ulp at every step
/// reaches about a third of its own `γ`. A bound ten times too large fails both.
fn z_tightness_for<T: Real>(worst: &mut Worst) {
    let n = 256;
    let (long, long_lost) = rounding_chain::<T>(n);
    let (short, short_lost) = rounding_chain::<T>(n / 8);
    let lanes = in_eight_lanes(&short);
    let a_in = DMatrix::from_fn(2, n, |i, k| if i == 0 { long[k] } else { lanes[k] });
    let w = DMatrix::from_element(n, 2, T::one());
    let b = DVector::zeros(2);
    let f_mat =
        forward_against_exact::<T, Matrices>(worst, "chain", &a_in, &w, &b, Activation::Linear);
    let f_seq =
        forward_against_exact::<T, Loops>(worst, "chain", &a_in, &w, &b, Activation::Linear);
    let size: f64 = long.iter().map(|t| t.as_f64()).sum();
    let expected = long_lost / (gamma_of::<T>(n + 1) * size);
    println!(
        "Z {} matrix chain: observed {:.4} of its share, construction {expected:.4}",
        T::NAME,
        f_mat[(0, 0)]
    );
    let size: f64 = lanes.iter().map(|t| t.as_f64()).sum();
    let expected = 8.0 * short_lost / (gamma_of::<T>(n + 1) * size);
    println!(
        "Z {} loop lanes:   observed {:.4} of its share, construction {expected:.4}",
        T::NAME,
        f_seq[(1, 0)]
    );
    for j in 0..2 {
        assert!(
            f_mat[(0, j)] >= 0.25,
            "{} matrix Z chain reaches only {}",
            T::NAME,
            f_mat[(0, j)]
        );
        assert!(
            f_seq[(1, j)] >= 1.0 / 32.0,
            "{} loop Z lanes reach only {}",
            T::NAME,
            f_seq[(1, j)]
        );
    }
}

/// `Z` where every product underflows: `a·w = η/2` exactly, which rounds
/// to 0 (ties to even), fused or not, so each path returns 0 for an exact
/// `n·η/2`. The bound's floor `(n_in + 1)·η` (its `γ` part is below `η`)
/// must cover it, with a share `(n_in + 1)·η/2`: the fraction is
/// `n/(n + 1)`, at least 0.98 for `n = 64`.
fn z_underflow_for<T: Real>(worst: &mut Worst) {
    let n = 64;
    // η/2 = 2^-150 (f32) or 2^-1075 (f64), as a product of two normal numbers.
    let (ea, ew) = if T::NAME == "f32" {
        (-75, -75)
    } else {
        (-537, -538)
    };
    let a_in = DMatrix::from_element(2, n, T::of_f64(2f64.powi(ea)));
    let w = DMatrix::from_element(n, 2, T::of_f64(2f64.powi(ew)));
    let b = DVector::zeros(2);
    for path in ["loops", "matrix"] {
        let layer = kernels::layer(&w, &b, Activation::Linear);
        let got = if path == "loops" {
            kernels::forward::<T, Loops>(&a_in, &layer)
        } else {
            kernels::forward::<T, Matrices>(&a_in, &layer)
        };
        let zero = DMatrix::zeros(2, n);
        let (bz, _) = dense_forward_bound(&a_in, &zero, &w, &b, Activation::Linear, &got.z, &got.a);
        let exact = n as f64 * eta::<T>() / 2.0; // exactly representable in f64
        for (z, bound) in got.z.iter().zip(bz.iter()) {
            let diff = (z.as_f64() - exact).abs();
            // 2·diff/bound, not diff/(bound/2): halving a subnormal bound rounds.
            let f = 2.0 * diff / bound;
            assert!(
                f <= 1.0,
                "{} {path}: underflowed Z off by {diff:e}, bound {bound:e}",
                T::NAME
            );
            assert!(
                f >= 0.98,
                "{} {path}: underflowed Z reaches only {f} of its share",
                T::NAME
            );
            worst.see(format!("Z underflow {} {path}", T::NAME), f);
        }
    }
}

/// `dW`, `db` and `dA_in`, each from a 256-term chain with exact products:
/// - `dW = A_inᵀ·dZ` sums down the examples, on both paths one chain from
///   zero (the loop path's `dW[:,j] += dz_j·a_in`, example by example; the
///   matrix kernel's multiply-adds along its block of 256): `A_in`'s column
///   1 is ones and `dZ`'s column 2 the chain, so `dW[1, 2]` is the chain on
///   both paths, and so is `dW[0, 1]` (`A_in`'s column 0 the chain, `dZ`'s
///   column 1 ones). Share `γ_256·Σ|t|`: 21590/256² = 0.329, asserted 1/4.
/// - `db = Σ_rows dZ`: the loop path adds example by example, so `db[2]`
///   (the chain) reaches 21590/(255·256) = 0.331 of `γ_255`'s share for it,
///   asserted 1/4; the matrix path's `column_sum` keeps eight running sums
///   by `i mod 8`, so `dZ`'s column 0, a 32-term chain in eight lanes, makes
///   its `db[0]` reach 8·310/(255·256) = 0.038, asserted 1/32.
/// - `dA_in = dZ·Wᵀ` sums along the units: a second layer with 256 units,
///   `dZ`'s row 0 the chain and `W`'s row 0 ones, is one chain on both
///   paths (`da_in += dz_j·W[:,j]` unit by unit; the kernel's block):
///   0.329, asserted 1/4.
fn backward_tightness_for<T: Real>(worst: &mut Worst) {
    let n = 256;
    let (chain, _) = rounding_chain::<T>(n);
    let (short, _) = rounding_chain::<T>(n / 8);
    let lanes = in_eight_lanes(&short);
    let one = T::one();
    let a_in = DMatrix::from_fn(n, 2, |i, k| if k == 0 { chain[i] } else { one });
    let dz = DMatrix::from_fn(n, 3, |i, j| [lanes[i], one, chain[i]][j]);
    let w = DMatrix::from_element(2, 3, one);
    let name = T::NAME;
    for (path, (f_dw, f_db, _)) in [
        (
            "loops",
            backward_against_exact::<T, Loops>(worst, "chain", &dz, &a_in, &w),
        ),
        (
            "matrix",
            backward_against_exact::<T, Matrices>(worst, "chain", &dz, &a_in, &w),
        ),
    ] {
        println!(
            "dW {name} {path} chain: {:.4}, {:.4} of its share",
            f_dw[(1, 2)],
            f_dw[(0, 1)]
        );
        assert!(
            f_dw[(1, 2)] >= 0.25 && f_dw[(0, 1)] >= 0.25,
            "{name} {path} dW chain: {f_dw}"
        );
        let (j, at_least) = if path == "loops" {
            (2, 0.25)
        } else {
            (0, 1.0 / 32.0)
        };
        println!("db {name} {path} chain: {:.4} of its share", f_db[j]);
        assert!(
            f_db[j] >= at_least,
            "{name} {path} db[{j}] reaches only {}",
            f_db[j]
        );
    }
    let dz = DMatrix::from_fn(2, n, |i, j| if i == 0 { chain[j] } else { one });
    let w = DMatrix::from_element(2, n, one);
    let a_in = DMatrix::from_element(2, 2, one);
    for (path, (_, _, f_da)) in [
        (
            "loops",
            backward_against_exact::<T, Loops>(worst, "chain", &dz, &a_in, &w),
        ),
        (
            "matrix",
            backward_against_exact::<T, Matrices>(worst, "chain", &dz, &a_in, &w),
        ),
    ] {
        println!(
            "dA_in {name} {path} chain: {:.4} of its share",
            f_da[(0, 0)]
        );
        assert!(
            f_da[(0, 0)] >= 0.25,
            "{name} {path} dA_in chain reaches only {}",
            f_da[(0, 0)]
        );
    }
}

#[test]
fn crafted_sums_reach_a_stated_fraction_of_the_bound() {
    let mut worst = Worst::default();
    z_tightness_for::<f64>(&mut worst);
    z_tightness_for::<f32>(&mut worst);
    z_underflow_for::<f64>(&mut worst);
    z_underflow_for::<f32>(&mut worst);
    backward_tightness_for::<f64>(&mut worst);
    backward_tightness_for::<f32>(&mut worst);
    worst.print("crafted sums, worst over each path's elements");
}
