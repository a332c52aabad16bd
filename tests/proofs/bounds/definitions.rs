//! Each bound recomputed from its formula, element by element, and compared.

use super::*;

// ---------------------------------------------------------------------------
// 1. The definitions.

/// `|got - want| ≤ tol·want`. Both sides are sums of at most `terms + 8`
/// non-negative `f64` numbers (products, the `γ` factors, `η`, the final
/// `OWN`), computed in different orders: each within `γ_{terms+8}` (of
/// `f64`) of the exact value relative to it (Higham §3.1, all terms of one
/// sign), so they agree within `2·γ_{terms+8}` of `want`; allowed: twice
/// that. This is far below `OWN - 1 = 10⁻⁹` and below one part in `10⁹` of
/// any term, so a changed operator or constant anywhere stands out. Where
/// the sums are subnormal (a bound that is its `η` floor, for an output
/// that underflowed) each operation's error is absolute instead, at most
/// `η₆₄/2`: `terms + 8` of those are allowed too.
pub(super) fn assert_same(what: &str, got: f64, want: f64, terms: usize) {
    let tol = 4.0 * gamma64(terms + 8) * want.abs() + (terms + 8) as f64 * f64::from_bits(1);
    assert!(
        (got - want).abs() <= tol && got.is_finite() == want.is_finite(),
        "{what}: the crate's bound {got:e}, its definition {want:e} (tolerance {tol:e})"
    );
}

/// `Z`'s bound by its definition: for each element,
/// `(δA_in·|W| + 2γ_{n_in+1}·((|A_in| + δA_in)·|W| + |b|) + (n_in+1)·η)·OWN`
/// (the code comment of `dense_forward_bound`; with `δA_in = 0` the docs'
/// `2·γ_{n_in+1}·(|A_in||W| + |B|)` plus the underflow floor).
pub(super) fn z_definition<T: Real>(
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
pub(super) fn a_definition<T: Real>(
    g: Activation,
    dev_z: &DMatrix<f64>,
    a: &DMatrix<T>,
) -> DMatrix<f64> {
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
pub(super) fn backward_definition<T: Real>(
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
/// `ρ_j = (|z_j - max| + δ + K + 4 + ln K)·u·(1 + 10⁻³)`,
/// `ā_j = a_j·(1 + ρ_j)/(1 - ρ_j)·e^{2δ}`, and the bound
/// `(ā_j·(e^{2δ} - 1) + 2ρ_j·ā_j + 8η)·OWN`. The comment's input term is
/// `softmax(z)_j·(e^{2δ} - 1)` with the exact softmax of the matrix path's
/// `z`; `ā_j` bounds it (by `e^{2δ}` more than needed, a second-order excess).
pub(super) fn softmax_definition<T: Real>(
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
            let rho =
                ((max - z[(i, j)].as_f64()) + delta + k as f64 + 4.0 + (k as f64).ln()) * u * 1.001;
            let a_bar = a[(i, j)].as_f64() * (1.0 + rho) / (1.0 - rho) * (2.0 * delta).exp();
            out[(i, j)] = (a_bar * spread + 2.0 * rho * a_bar + 8.0 * eta::<T>()) * OWN;
        }
    }
    out
}

/// One layer's shapes and values for the definition checks.
pub(super) struct Shape {
    pub(super) m: usize,
    pub(super) n_in: usize,
    pub(super) units: usize,
}

pub(super) const SHAPES: [Shape; 5] = [
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
pub(super) fn layer_inputs<T: Real>(
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

pub(super) fn forward_definitions_for<T: Real>() {
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

pub(super) fn backward_definitions_for<T: Real>() {
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

pub(super) fn softmax_definitions_for<T: Real>() {
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
pub(super) fn dense_forward_bound_is_its_definition() {
    forward_definitions_for::<f64>();
    forward_definitions_for::<f32>();
}

#[test]
pub(super) fn dense_backward_dz_bound_is_its_definition() {
    backward_definitions_for::<f64>();
    backward_definitions_for::<f32>();
}

#[test]
pub(super) fn softmax_bound_is_its_definition() {
    softmax_definitions_for::<f64>();
    softmax_definitions_for::<f32>();
}
