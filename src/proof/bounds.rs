//! How far apart the two paths may be: rounding bounds computed from the data.
//!
//! Floating-point addition is not associative, and the two paths add in
//! different orders (the loop path one term after another, the matrix kernel
//! in blocks), so their results may differ in the last bits. This module
//! computes, element by element, a bound that the difference can never exceed,
//! using the standard model of floating-point arithmetic
//! (`fl(a ∘ b) = (a ∘ b)(1 + θ)`, `|θ| ≤ u`) and the sum bound
//! `γ_k = k·u / (1 - k·u)` ([`crate::gamma`]):
//!
//! * **One product** `P = X·Y` with inner dimension `k`, computed by each path
//!   in any order (with or without fused multiply-add) from inputs that may
//!   themselves differ by `δX`, `δY`:
//!   `|P_seq - P_mat| ≤ δX·Ȳ + |X|·δY + 2γ_k·X̄·Ȳ + k·η`,
//!   where `X̄ = |X| + δX`, `Ȳ = |Y| + δY` bound both paths' inputs and `η`
//!   covers products that underflow. With `δX = δY = 0` (the same inputs) this
//!   is the design's `2·γ_k·|X||Y|` (`docs/DESIGN.md`); the forward pass adds the bias as one more
//!   term, `2·γ_{n_in+1}·(|A_in||W| + |B|)`.
//! * **Elementwise steps** (`g`, `g'`, the loss): both paths call the same
//!   function, so equal inputs give equal bits; different inputs are covered
//!   by the function's Lipschitz constant plus its evaluation error (a few
//!   units of `u` for `exp`/`tanh`, as glibc documents ≤ 2 ulp).
//!
//! Layer by layer the bounds are carried forward (through `Z` and `A`) and
//! back (through `dZ` and `dA`), so the whole network gets a bound that is
//! derived, not tuned. The reference values are the matrix path's; the
//! bounds are computed in `f64` and enlarged by [`OWN_ROUNDING`] to cover
//! their own rounding.

use crate::error::Result;
use crate::nn::activation::Activation;
use crate::nn::loss::{BCE_EPSILON, Loss, LossKind};
use crate::nn::network::Network;
use crate::paths::buffers::{DenseGradients, InputGradient, LayerState, Scratch};
use crate::paths::{Path, matrix};
use crate::real::{Real, gamma};
use nalgebra::{DMatrix, DVector};

/// Factor applied to every bound to cover the rounding of the bound's own
/// `f64` arithmetic (relative error below `k·2⁻⁵³`, about `1e-13` for the
/// sizes here).
pub const OWN_ROUNDING: f64 = 1.0 + 1e-9;

/// Constants of one activation for the bounds.
struct Constants {
    /// Lipschitz constant of `g`: `max |g'|`.
    lip: f64,
    /// Evaluation error of `g` relative to `|g(z)|`, in units of `u`.
    err: f64,
    /// Lipschitz constant of `g'` as the function of `a = g(z)` it is
    /// computed from (unused for relu, whose `g'` jumps at 0).
    lip_prime: f64,
    /// Absolute evaluation error of `g'` from a given `a`, in units of `u`.
    err_prime: f64,
}

fn constants(g: Activation) -> Constants {
    match g {
        // Exact: z itself, max(0, z), and constant derivatives.
        Activation::Linear | Activation::Relu => Constants {
            lip: 1.0,
            err: 0.0,
            lip_prime: 0.0,
            err_prime: 0.0,
        },
        // σ' ≤ 1/4. σ(z) = 1/(1 + e^{-z}): exp within 1 ulp (2u), then one
        // add and one divide: under 4u relative; 6u allowed.
        // σ' = h(a) = a(1 - a), |h'(a)| = |1 - 2a| ≤ 1; fl(a·fl(1 - a)) is
        // within γ₂·h(a) ≤ 2u/4 of h(a): 1u allowed.
        Activation::Sigmoid => Constants {
            lip: 0.25,
            err: 6.0,
            lip_prime: 1.0,
            err_prime: 1.0,
        },
        // tanh' ≤ 1. tanh from e^x - 1: one rounding in e^x - 1 (after its
        // series' own), one in 2 + m, one in the division: about 3.5u
        // relative; 6u allowed. tanh' = h(a) = 1 - a², |h'(a)| = 2|a| ≤ 2;
        // fl(1 - fl(a²)) is within u·a² + u·(1 - a²)·(1 + u) of h(a): 2u allowed.
        // Measured against double-double arithmetic
        // (tests/proofs/activation_accuracy.rs): tanh within 2.44u (f64) and
        // 2.81u (f32), σ 2.68u, a(1 - a) 0.375u, 1 - a² 0.75u.
        Activation::Tanh => Constants {
            lip: 1.0,
            err: 6.0,
            lip_prime: 2.0,
            err_prime: 2.0,
        },
        // Softmax couples a row: `softmax_bound` handles it, row by row.
        Activation::Softmax => panic!("bounds: softmax has no per-element constants"),
    }
}

/// Bound on `|A_seq - A_mat|` for a softmax output, row by row, given
/// bounds `dz` on `|Z_seq - Z_mat|` and the matrix path's `z` and `a`.
///
/// **Input difference.** With `δ = max_j δZ_ij` over the row,
/// `softmax(z')_j / softmax(z)_j = e^{z'_j - z_j} · Σ_k e^{z_k} / Σ_k e^{z'_k}`
/// lies in `[e^{-2δ}, e^{2δ}]`, so `|softmax(z')_j - softmax(z)_j| ≤
/// softmax(z)_j·(e^{2δ} - 1)`.
///
/// **Each path's rounding** relative to the exact softmax of its own `z`:
/// `z_j - max` rounds once (a relative error of `u·|z_j - max|` in
/// `e^{z_j - max}`), `e^x` is within 1 ulp (`2u`, in either type),
/// the sum `S` of `K` positive terms within `γ_{K-1}`, the division `u`.
/// `S` also inherits its terms' errors, weighted by `p_k = e^{z_k - max}/S`:
/// `2u` from their `e^x`, and `u·Σ_k p_k·|z_k - max|` from their
/// subtractions, which is at most `u·ln K` (it is `H(p) - ln S`, an entropy
/// less `ln S ≥ 0`). In all at most
/// `ρ_j = (|z_j - max| + δ + K + 4 + ln K)·u·(1 + 10⁻³)`, since every factor
/// is `1 + O(Ku)`. Both paths: `2ρ_j`, on an `a_j` itself at most
/// `â_j·(1 + ρ_j)/(1 - ρ_j)` and `e^{2δ}` times that. The other path's
/// `|z'_j - max'|` may exceed `|z_j - max|` by `2δ`, not `δ`: the missing
/// `δ·u·a_j` is far below the `2ρ_j·ā_j·(e^{2δ} - 1) ≥ 2ρ_j·ā_j·2δ` by which
/// `ā_j`'s factor `e^{2δ}` enlarges the rounding term.
pub fn softmax_bound<T: Real>(
    dev_z: &DMatrix<f64>,
    z: &DMatrix<T>,
    a: &DMatrix<T>,
) -> DMatrix<f64> {
    let u = T::UNIT_ROUNDOFF;
    let (m, k) = z.shape();
    let mut out = DMatrix::zeros(m, k);
    for i in 0..m {
        let delta = (0..k).map(|j| dev_z[(i, j)]).fold(0.0, f64::max);
        let max = (0..k)
            .map(|j| z[(i, j)].as_f64())
            .fold(f64::NEG_INFINITY, f64::max);
        let spread = (2.0 * delta).exp_m1(); // e^{2δ} - 1
        let ln_k = (k as f64).ln();
        for j in 0..k {
            let rho = ((max - z[(i, j)].as_f64()) + delta + k as f64 + 4.0 + ln_k) * u * 1.001;
            let a_hat = a[(i, j)].as_f64();
            let a_bar = a_hat * (1.0 + rho) / (1.0 - rho) * (1.0 + spread);
            out[(i, j)] = (a_bar * (spread + 2.0 * rho) + 8.0 * T::MIN_SUBNORMAL) * OWN_ROUNDING;
        }
    }
    out
}

fn abs<T: Real>(m: &DMatrix<T>) -> DMatrix<f64> {
    m.map(|v| v.as_f64().abs())
}

/// Bounds on `|Z_seq - Z_mat|` and `|A_seq - A_mat|` for one dense layer
/// forward, each `(m, units)`.
///
/// `a_in`, `z` and `a` are the reference (matrix path) values; `dev_a_in`
/// bounds how far the other path's input may be from `a_in` (zeros when both
/// paths are given the same input). Every `dev_…` here is such a bound on a
/// rounding deviation between the paths, never a gradient; the results are
/// `(dev_z, dev_a)`. A softmax layer's `A` is bounded row by row
/// ([`softmax_bound`]).
pub fn dense_forward_bound<T: Real>(
    a_in: &DMatrix<T>,
    dev_a_in: &DMatrix<f64>,
    w: &DMatrix<T>,
    b: &DVector<T>,
    g: Activation,
    z: &DMatrix<T>,
    a: &DMatrix<T>,
) -> (DMatrix<f64>, DMatrix<f64>) {
    let n_in = w.nrows();
    let w_abs = abs(w);
    let x_bar = abs(a_in) + dev_a_in;
    let gamma = gamma::<T>(n_in + 1);
    let eta = (n_in + 1) as f64 * T::MIN_SUBNORMAL;
    // δZ ≤ δA_in·|W| + 2γ_{n_in+1}·(Ā_in·|W| + |B|) + (n_in+1)·η
    let mut dev_z = dev_a_in * &w_abs + (&x_bar * &w_abs) * (2.0 * gamma);
    for (mut col, bj) in dev_z.column_iter_mut().zip(b.iter()) {
        col.add_scalar_mut(2.0 * gamma * bj.as_f64().abs() + eta);
    }
    dev_z *= OWN_ROUNDING;
    if g == Activation::Softmax {
        let dev_a = softmax_bound(&dev_z, z, a);
        return (dev_z, dev_a);
    }
    let c = constants(g);
    let u = T::UNIT_ROUNDOFF;
    let dev_a = dev_z.zip_map(&abs(a), |dev_z, a| {
        // |g(z_s) - g(z_m)| ≤ lip·δZ, plus each path's evaluation error.
        (c.lip * dev_z + 2.0 * c.err * u * (a + c.lip * dev_z) + 8.0 * T::MIN_SUBNORMAL)
            * OWN_ROUNDING
    });
    (dev_z, dev_a)
}

/// Bounds on the paths' differences in `dA_in`, `dW` and `db` for one dense
/// layer backward from `dZ`: `dZ·Wᵀ` (inner dimension `units`), `A_inᵀ·dZ`
/// and `Σ_rows dZ` (inner dimension `m`).
///
/// `dz` and `a_in` are the reference values, `dev_dz` and `dev_a_in` bound
/// the other path's distance from them. Returns `(dev_da_in, dev_dw,
/// dev_db)`; `dev_da_in` is `None` unless `need_da_in` (the first layer
/// computes no `dA_in`).
pub fn dense_backward_dz_bound<T: Real>(
    dz: &DMatrix<T>,
    dev_dz: &DMatrix<f64>,
    a_in: &DMatrix<T>,
    dev_a_in: &DMatrix<f64>,
    w: &DMatrix<T>,
    need_da_in: bool,
) -> (Option<DMatrix<f64>>, DMatrix<f64>, DVector<f64>) {
    let (m, units) = dz.shape();
    let dz_abs = abs(dz);
    let dz_bar = &dz_abs + dev_dz;
    let x_abs = abs(a_in);
    let x_bar = &x_abs + dev_a_in;
    let eta = T::MIN_SUBNORMAL;
    // dW = A_inᵀ·dZ: δ ≤ δA_inᵀ·dZ̄ + |A_in|ᵀ·δdZ + 2γ_m·Ā_inᵀ·dZ̄ + m·η
    let g_m = gamma::<T>(m);
    let dev_dw = (dev_a_in.transpose() * &dz_bar
        + x_abs.transpose() * dev_dz
        + (x_bar.transpose() * &dz_bar) * (2.0 * g_m))
        .add_scalar(m as f64 * eta)
        * OWN_ROUNDING;
    // db = Σ_rows dZ: m - 1 additions, no products.
    let g_sum = gamma::<T>(m.saturating_sub(1));
    let dev_db = (dev_dz.row_sum() + dz_bar.row_sum() * (2.0 * g_sum)).transpose() * OWN_ROUNDING;
    // dA_in = dZ·Wᵀ: δ ≤ δdZ·|W|ᵀ + 2γ_units·dZ̄·|W|ᵀ + units·η
    let dev_da_in = need_da_in.then(|| {
        let wt = abs(w).transpose();
        (dev_dz * &wt + (&dz_bar * &wt) * (2.0 * gamma::<T>(units))).add_scalar(units as f64 * eta)
            * OWN_ROUNDING
    });
    (dev_da_in, dev_dw, dev_db)
}

/// Bound on `|g'_s - g'_m|` and an upper bound on both `|g'|`, per element,
/// given the matrix path's `z` and `a` and bounds on how far the loop path's
/// are from them. The sigmoid's and tanh's `g'` are functions of the cached
/// `a`, so their difference follows `|a_s - a_m|`.
fn g_prime_bounds<T: Real>(g: Activation, z: T, a: T, dev_z: f64, dev_a: f64) -> (f64, f64) {
    let gp = g.g_prime(z, a).as_f64().abs();
    if dev_z == 0.0 {
        return (0.0, gp); // the same z, so the same a: the same bits
    }
    let c = constants(g);
    let d = match g {
        Activation::Linear => 0.0,
        // relu' jumps from 0 to 1 at 0: if z may lie on either side, it may differ by 1.
        Activation::Relu => {
            if z.as_f64().abs() <= dev_z {
                1.0
            } else {
                0.0
            }
        }
        _ => c.lip_prime * dev_a + 2.0 * c.err_prime * T::UNIT_ROUNDOFF,
    };
    (d, gp + d)
}

/// Bound on `|dZ_seq - dZ_mat|` for `dZ = dA ⊙ g'(Z)` (a hidden layer), `(m, units)`,
/// given the matrix path's `dA`, `Z` and `A` and bounds on how far the loop path's are.
pub fn activation_backward_bound<T: Real>(
    da: &DMatrix<T>,
    dev_da: &DMatrix<f64>,
    z: &DMatrix<T>,
    dev_z: &DMatrix<f64>,
    a: &DMatrix<T>,
    dev_a: &DMatrix<f64>,
    g: Activation,
) -> DMatrix<f64> {
    let u = T::UNIT_ROUNDOFF;
    DMatrix::from_fn(da.nrows(), da.ncols(), |i, j| {
        let (dgp, gp_bar) = g_prime_bounds(g, z[(i, j)], a[(i, j)], dev_z[(i, j)], dev_a[(i, j)]);
        let da_abs = da[(i, j)].as_f64().abs();
        let dev_da = dev_da[(i, j)];
        if dev_da == 0.0 && dgp == 0.0 {
            return 0.0; // the same inputs to the same function: the same bits
        }
        // |da_s·g'_s - da_m·g'_m| + one rounding of each product
        (dev_da * gp_bar
            + da_abs * dgp
            + 2.0 * u * (da_abs + dev_da) * gp_bar
            + 2.0 * T::MIN_SUBNORMAL)
            * OWN_ROUNDING
    })
}

/// Bound on `|dZ_seq - dZ_mat|` for the output layer's `dZ` from
/// [`Loss::output_dz`], given bounds on `Z` and `A`.
pub fn output_dz_bound<T: Real>(
    loss: Loss,
    g: Activation,
    z: &DMatrix<T>,
    dz_fwd: &DMatrix<f64>,
    a: &DMatrix<T>,
    da_fwd: &DMatrix<f64>,
    y: &DMatrix<T>,
) -> DMatrix<f64> {
    if !loss.is_elementwise() {
        return categorical_dz_bound(loss, z, dz_fwd, y);
    }
    let scale = (T::one() / T::of_f64(z.len() as f64)).as_f64();
    let eps = T::of_f64(BCE_EPSILON);
    let (lo_clip, hi_clip) = (eps.as_f64(), (T::one() - eps).as_f64());
    let u = T::UNIT_ROUNDOFF;
    DMatrix::from_fn(z.nrows(), z.ncols(), |i, j| {
        let logits = loss == Loss::BINARY_CROSSENTROPY.with_logits();
        let (a_hat, d_a) = if logits {
            // The loss applies σ to z itself: bound σ(z) as a sigmoid layer's A.
            let s = crate::nn::activation::sigmoid(z[(i, j)]).as_f64();
            let d = dz_fwd[(i, j)];
            (
                s,
                (0.25 * d + 12.0 * u * (s + 0.25 * d) + 8.0 * T::MIN_SUBNORMAL) * OWN_ROUNDING,
            )
        } else {
            (a[(i, j)].as_f64(), da_fwd[(i, j)])
        };
        let r = (a_hat - y[(i, j)].as_f64()).abs(); // |â - y|
        let (dgp, gp_bar) = if logits {
            (0.0, 1.0)
        } else {
            g_prime_bounds(g, z[(i, j)], a[(i, j)], dz_fwd[(i, j)], da_fwd[(i, j)])
        };
        if d_a == 0.0 && dgp == 0.0 {
            return 0.0;
        }
        let bound = match (loss.kind(), loss.from_logits(), g) {
            // (a - y)·s: two roundings.
            (LossKind::BinaryCrossentropy, false, Activation::Sigmoid)
            | (LossKind::BinaryCrossentropy, true, _) => {
                scale * d_a + gamma::<T>(2) * scale * (2.0 * r + d_a)
            }
            // 2(a - y)·s·g'(z): three roundings.
            (LossKind::MeanSquaredError, _, _) => {
                2.0 * scale * (d_a * gp_bar + r * dgp)
                    + gamma::<T>(3) * 2.0 * scale * (2.0 * r + d_a) * gp_bar
            }
            // (a - y)/(a(1 - a))·s·g'(z) on unclipped a, else 0.
            _ => {
                let (lo, hi) = (a_hat - d_a, a_hat + d_a);
                let q = |p: f64| p * (1.0 - p);
                let g6 = gamma::<T>(6);
                if lo >= lo_clip && hi <= hi_clip {
                    // h(p) = (p - y)/(p(1 - p)) has |h'| ≤ 2/q² on the interval,
                    // where q = min p(1 - p) (at an end: p(1 - p) is concave).
                    let qmin = q(lo).min(q(hi));
                    let h_bar = (r + d_a) / qmin;
                    scale * (2.0 / (qmin * qmin) * d_a * gp_bar + h_bar * dgp)
                        + 2.0 * g6 * scale * h_bar * gp_bar
                } else if hi < lo_clip || lo > hi_clip {
                    // Both paths' a lie beyond the same edge: both clip, both give 0.
                    0.0
                } else {
                    // Either path may clip (gradient 0) or not: both lie within
                    // s·|h|·g' ≤ s·g'/q of zero, q ≥ ε(1 - ε).
                    let qmin = q(lo.max(lo_clip)).min(q(hi.min(hi_clip))).max(q(lo_clip));
                    2.0 * (1.0 + g6) * scale * gp_bar / qmin
                }
            }
        };
        (bound + 2.0 * T::MIN_SUBNORMAL) * OWN_ROUNDING
    })
}

/// Bound on `|dZ_seq - dZ_mat|` for a categorical cross-entropy's output
/// `dZ_ij = (p_ij·Σ_k y_ik - y_ij)/m`, `p = softmax(z_i)` computed by each
/// path from its own `z`: the softmax's difference ([`softmax_bound`])
/// times `|Σ_k y_ik|`, plus each path's three roundings (`γ₃` on
/// `|p·Σy| + |y|`, scaled by `1/m`), plus, for target rows (not class ids),
/// the rounding of `Σ_k y_ik`, added in `T` one term after another from
/// zero: only additions of a nonzero term to a nonzero sum round, so with
/// `n` nonzero targets in the row it is within `γ_{n-1}·Σ_k |y_ik|`, times
/// `p̄` (nothing for a one-hot row).
fn categorical_dz_bound<T: Real>(
    loss: Loss,
    z: &DMatrix<T>,
    dz_fwd: &DMatrix<f64>,
    y: &DMatrix<T>,
) -> DMatrix<f64> {
    let (m, k) = z.shape();
    let scale = (T::one() / T::of_f64(m as f64)).as_f64();
    let p = softmax_of(z);
    let dp = softmax_bound(dz_fwd, z, &p);
    let g3 = gamma::<T>(3);
    DMatrix::from_fn(m, k, |i, j| {
        let (sum_y, y_j) = target_row(loss, y, i, j);
        let p_bar = p[(i, j)].as_f64() + dp[(i, j)];
        let sum_err = if loss.takes_class_ids() {
            0.0 // Σy is the exact 1
        } else {
            let nonzero = y.row(i).iter().filter(|v| v.as_f64() != 0.0).count();
            gamma::<T>(nonzero.saturating_sub(1))
                * y.row(i).iter().map(|v| v.as_f64().abs()).sum::<f64>()
        };
        let bound = scale
            * (dp[(i, j)] * sum_y.abs()
                + 2.0 * g3 * (p_bar * sum_y.abs() + y_j.abs())
                + 2.0 * p_bar * sum_err);
        (bound + 2.0 * T::MIN_SUBNORMAL) * OWN_ROUNDING
    })
}

/// `Σ_k y_ik` and `y_ij` of a target row: one-hot from the class id for the
/// sparse loss, the row itself for the other.
fn target_row<T: Real>(loss: Loss, y: &DMatrix<T>, i: usize, j: usize) -> (f64, f64) {
    if loss.takes_class_ids() {
        (1.0, f64::from(u8::from(y[(i, 0)].as_f64() as usize == j)))
    } else {
        (
            y.row(i).iter().map(|v| v.as_f64()).sum(),
            y[(i, j)].as_f64(),
        )
    }
}

/// The matrix path's softmax of every row of `z`.
fn softmax_of<T: Real>(z: &DMatrix<T>) -> DMatrix<T> {
    let mut p = DMatrix::zeros(z.nrows(), z.ncols());
    Activation::Softmax.activate(z, &mut p);
    p
}

/// Bound on `|J_seq - J_mat|` for a categorical cross-entropy from logits.
///
/// `ℓ_i = Σ_j y_ij·(ln S_i - (z_ij - max_i))` is `lse(z_i)·Σ_j y_ij - Σ_j y_ij z_ij`;
/// log-sum-exp changes by at most `δ_i = max_j δZ_ij` when every `z_ij`
/// does, so `|Δℓ_i| ≤ 2δ_i·Σ_j |y_ij|`. Each path's rounding: `ln S` inherits
/// `S`'s relative error (`ρ` of [`softmax_bound`] at its largest, `(spread +
/// K + 4)·u`) as an absolute one, plus `2u·|ln S|`; each term
/// `(z_j - max) - ln S` two more roundings, the products and the sum
/// `γ_{n+1}` of `Σ|y_j|·(|z_j - max| + |ln S|)`, where `n` is the number of
/// nonzero `y_j` (a zero target's term is an exact zero, and adding it is
/// exact; the sparse loss computes its one term with two roundings); the
/// mean over rows `γ_m`.
fn categorical_loss_bound<T: Real>(
    loss: Loss,
    z: &DMatrix<T>,
    dz_fwd: &DMatrix<f64>,
    y: &DMatrix<T>,
) -> f64 {
    let u = T::UNIT_ROUNDOFF;
    let (m, k) = z.shape();
    let (mut diff, mut size) = (0.0, 0.0);
    for i in 0..m {
        let row: Vec<f64> = (0..k).map(|j| z[(i, j)].as_f64()).collect();
        let delta = (0..k).map(|j| dz_fwd[(i, j)]).fold(0.0, f64::max);
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let spread = row.iter().map(|&v| max - v).fold(0.0, f64::max) + delta;
        let ln_s = row.iter().map(|&v| (v - max).exp()).sum::<f64>().ln();
        let (mut weight, mut terms, mut loss_i, mut nonzero) = (0.0, 0.0, 0.0, 0);
        for (j, &zj) in row.iter().enumerate() {
            let (_, y_j) = target_row(loss, y, i, j);
            nonzero += usize::from(y_j != 0.0);
            weight += y_j.abs();
            terms += y_j.abs() * ((max - zj) + delta + ln_s.abs() + 1.0);
            loss_i += y_j * (ln_s - (zj - max));
        }
        let eval = weight * ((spread + k as f64 + 4.0) * u * 1.001 + 2.0 * u * ln_s.abs())
            + 2.0 * gamma::<T>(nonzero + 3) * terms;
        let d = 2.0 * delta * weight + 2.0 * eval;
        diff += d;
        size += loss_i.abs() + d;
    }
    ((diff + 2.0 * gamma::<T>(m + 1) * size) / m as f64 + 2.0 * T::MIN_SUBNORMAL) * OWN_ROUNDING
}

/// Bound on `|J_seq - J_mat|` for the mean loss of [`Loss::value`].
pub fn loss_bound<T: Real>(
    loss: Loss,
    g: Activation,
    z: &DMatrix<T>,
    dz_fwd: &DMatrix<f64>,
    a: &DMatrix<T>,
    da_fwd: &DMatrix<f64>,
    y: &DMatrix<T>,
) -> f64 {
    if !loss.is_elementwise() {
        return categorical_loss_bound(loss, z, dz_fwd, y);
    }
    let u = T::UNIT_ROUNDOFF;
    let (m, n) = z.shape();
    let eps = BCE_EPSILON;
    let mut diff = 0.0;
    let mut size = 0.0;
    for i in 0..m {
        for j in 0..n {
            let (zh, ah, yh) = (z[(i, j)], a[(i, j)], y[(i, j)]);
            let l_hat = loss.element(g, zh, ah, yh).as_f64().abs();
            let (d_z, d_a) = (dz_fwd[(i, j)], da_fwd[(i, j)]);
            let r = (ah.as_f64() - yh.as_f64()).abs();
            let d = match (loss.kind(), loss.from_logits(), g) {
                // dℓ/dz = σ(z) - y, at most 1 in size; about 8 roundings of
                // terms no larger than |z|, |z·y| and ln 2.
                (LossKind::BinaryCrossentropy, false, Activation::Sigmoid)
                | (LossKind::BinaryCrossentropy, true, _) => {
                    d_z + 16.0 * u * (2.0 * (zh.as_f64().abs() + d_z) + 1.0)
                }
                // (a_s - y)² - (a_m - y)² is at most d_a·(2r + d_a). Each path
                // rounds a - y, an error the square doubles, then the square
                // itself: three roundings, within γ₃ of (a - y)².
                (LossKind::MeanSquaredError, _, _) => {
                    d_a * (2.0 * r + d_a) + 2.0 * gamma::<T>(3) * (r + d_a) * (r + d_a)
                }
                // dℓ/dp = h(p), |h| ≤ 1/(p(1 - p)); the clipped p differ by
                // at most d_a, and both lie in [p_lo, p_hi] (T's clip interval
                // lies within this one), so by at most p_hi - p_lo too: 0 when
                // both clip at the same edge; |ln p| ≤ ln(1/ε) < 17.
                _ => {
                    let p_lo = (ah.as_f64() - d_a).clamp(eps, 1.0 - eps);
                    let p_hi = (ah.as_f64() + d_a).clamp(eps, 1.0 - eps);
                    let q = (p_lo * (1.0 - p_lo)).min(p_hi * (1.0 - p_hi));
                    d_a.min(p_hi - p_lo) / q + 16.0 * u * 2.0 * 17.0
                }
            };
            diff += d;
            size += l_hat + d;
        }
    }
    let count = (m * n) as f64;
    // Row sums of n terms, a divide, the sum of m rows, a divide.
    ((diff + 2.0 * gamma::<T>(n + m) * size) / count + 2.0 * T::MIN_SUBNORMAL) * OWN_ROUNDING
}

/// Bounds for one layer of a whole-network comparison.
#[derive(Clone, Debug)]
pub struct LayerBound {
    /// Bound on `|Z_seq - Z_mat|`, `(m, units)`.
    pub z: DMatrix<f64>,
    /// Bound on `|A_seq - A_mat|`, `(m, units)`.
    pub a: DMatrix<f64>,
    /// Bound on `|dW_seq - dW_mat|`, `(n_in, units)`.
    pub dw: DMatrix<f64>,
    /// Bound on `|db_seq - db_mat|`, `(units)`.
    pub db: DVector<f64>,
}

/// Bounds for a whole forward and backward pass of a network.
#[derive(Clone, Debug)]
pub struct NetworkBound {
    /// One entry per layer, input side first.
    pub layers: Vec<LayerBound>,
    /// Bound on `|J_seq - J_mat|` for the mean loss.
    pub loss: f64,
}

/// Element-wise bounds on the difference between the two paths for a whole
/// forward and backward pass of `net` on `(x, y)` with `loss`, carried
/// through the layers from the matrix path's values.
///
/// # Errors
/// As [`Path::forward`] and [`Path::backward`].
pub fn network_bound<T: Real>(
    net: &Network<T>,
    x: &DMatrix<T>,
    y: &DMatrix<T>,
    loss: Loss,
) -> Result<NetworkBound> {
    let fwd = Path::Matrix.forward(net, x)?;
    crate::paths::contract::check_targets(net, y, x.nrows(), loss)?;
    let layers = net.layers();
    let mut zs = Vec::with_capacity(layers.len());
    let mut acts = Vec::with_capacity(layers.len());
    let mut dev_in = DMatrix::zeros(x.nrows(), x.ncols()); // both paths get the same X
    for (l, d) in layers.iter().enumerate() {
        let (dev_z, dev_a) = dense_forward_bound(
            fwd.a_in(l),
            &dev_in,
            d.w(),
            d.b(),
            d.activation(),
            &fwd.layers()[l].z,
            &fwd.layers()[l].a,
        );
        dev_in = dev_a.clone();
        zs.push(dev_z);
        acts.push(dev_a);
    }
    let last = layers.len() - 1;
    let g_out = net.output_activation();
    let (z_out, a_out) = (fwd.output_z(), fwd.output());
    let loss_b = loss_bound(loss, g_out, z_out, &zs[last], a_out, &acts[last], y);
    let mut dz = DMatrix::zeros(z_out.nrows(), z_out.ncols());
    loss.output_dz(&mut dz, g_out, z_out, a_out, y);
    let mut dev_dz = output_dz_bound(loss, g_out, z_out, &zs[last], a_out, &acts[last], y);
    let mut back = Vec::with_capacity(layers.len());
    for l in (0..layers.len()).rev() {
        let zero_in;
        let dev_a_in = if l == 0 {
            zero_in = DMatrix::zeros(x.nrows(), x.ncols());
            &zero_in
        } else {
            &acts[l - 1]
        };
        let (dev_da, dev_dw, dev_db) =
            dense_backward_dz_bound(&dz, &dev_dz, fwd.a_in(l), dev_a_in, layers[l].w(), l > 0);
        back.push((dev_dw, dev_db));
        if let Some(dev_da) = dev_da {
            // The matrix path's own dA_in and dZ for the layer below, as it computes them.
            let mut da = DMatrix::zeros(x.nrows(), layers[l].n_in());
            let at = LayerState {
                a_in: fwd.a_in(l),
                cache: &fwd.layers()[l],
                layer: &layers[l],
            };
            let mut unused = DenseGradients::zeros(layers[l].n_in(), layers[l].units());
            let da_in = InputGradient::Into(&mut da);
            matrix::dense_backward_dz(&mut unused, da_in, &mut Scratch::default(), &dz, at);
            let below = &layers[l - 1];
            let (z_below, a_below) = (&fwd.layers()[l - 1].z, &fwd.layers()[l - 1].a);
            let mut next = DMatrix::zeros(da.nrows(), da.ncols());
            below.activation().backprop(
                da.as_slice(),
                z_below.as_slice(),
                a_below.as_slice(),
                next.as_mut_slice(),
            );
            dev_dz = activation_backward_bound(
                &da,
                &dev_da,
                z_below,
                &zs[l - 1],
                a_below,
                &acts[l - 1],
                below.activation(),
            );
            dz = next;
        }
    }
    back.reverse();
    // The L2 penalties: both paths add the same `2·l2·W` to their own `dW`
    // (one rounding each) and the same `Σ l2·ΣW²` to their own `J`.
    let u = T::UNIT_ROUNDOFF;
    let mut loss_b = loss_b;
    if net.penalty() != T::zero() {
        let grads = Path::Matrix.backward(net, &fwd, y, loss)?;
        for (l, (dw, _)) in back.iter_mut().enumerate() {
            if layers[l].l2() > 0.0 {
                let dw_m = abs(&grads.layers[l].dw);
                *dw = dw.zip_map(&dw_m, |b, d| {
                    (b * (1.0 + 2.0 * u) + 2.0 * u * (1.0 + u) * d) * OWN_ROUNDING
                });
            }
        }
        let j = crate::paths::walk::total_loss(net, loss, z_out, a_out, y)
            .as_f64()
            .abs();
        loss_b = (loss_b * (1.0 + 2.0 * u) + 2.0 * u * (1.0 + u) * j) * OWN_ROUNDING;
    }
    let layers = zs
        .into_iter()
        .zip(acts)
        .zip(back)
        .map(|((z, a), (dw, db))| LayerBound { z, a, dw, db })
        .collect();
    Ok(NetworkBound {
        layers,
        loss: loss_b,
    })
}

/// How two results compare against a bound.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Agreement {
    /// Largest `|x - y|` over the elements.
    pub max_diff: f64,
    /// Largest bound over the elements.
    pub max_bound: f64,
    /// Largest `|x - y| / bound` (0 when equal; infinite if a nonzero
    /// difference meets a zero bound). At most 1 means within the bound.
    pub worst_ratio: f64,
}

impl Agreement {
    /// Compares `x` with `y` element by element against `bound` (all the same shape).
    ///
    /// # Panics
    /// If the shapes differ.
    pub fn of<T: Real, R: nalgebra::Dim, C: nalgebra::Dim, S1, S2, S3>(
        x: &nalgebra::Matrix<T, R, C, S1>,
        y: &nalgebra::Matrix<T, R, C, S2>,
        bound: &nalgebra::Matrix<f64, R, C, S3>,
    ) -> Agreement
    where
        S1: nalgebra::RawStorage<T, R, C>,
        S2: nalgebra::RawStorage<T, R, C>,
        S3: nalgebra::RawStorage<f64, R, C>,
    {
        assert!(
            x.shape() == y.shape() && y.shape() == bound.shape(),
            "Agreement::of: shapes {:?}, {:?} and bound {:?} differ",
            x.shape(),
            y.shape(),
            bound.shape()
        );
        let mut out = Agreement::default();
        for ((x, y), b) in x.iter().zip(y.iter()).zip(bound.iter()) {
            let d = (x.as_f64() - y.as_f64()).abs();
            out.max_diff = out.max_diff.max(d);
            out.max_bound = out.max_bound.max(*b);
            let ratio = if d == 0.0 { 0.0 } else { d / b };
            out.worst_ratio = out.worst_ratio.max(ratio);
        }
        out
    }

    /// Compares two scalars against a bound.
    pub fn of_scalar<T: Real>(x: T, y: T, bound: f64) -> Agreement {
        let d = (x.as_f64() - y.as_f64()).abs();
        Agreement {
            max_diff: d,
            max_bound: bound,
            worst_ratio: if d == 0.0 { 0.0 } else { d / bound },
        }
    }

    /// True when every difference is within its bound.
    pub fn holds(&self) -> bool {
        self.worst_ratio <= 1.0
    }
}
