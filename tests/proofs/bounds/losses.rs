//! The element-wise steps' bounds: the output layer's `dZ` from an
//! element-wise loss (`output_dz_bound`), the mean loss (`loss_bound`), a
//! hidden layer's `dZ = dA ⊙ g'` (`activation_backward_bound`, with the
//! `g'` deviation it computes privately) and `Agreement`, pinned the same
//! three ways as the dense layer's.
//!
//! Both paths call the same function for each of these steps, so equal
//! inputs give equal bits, and the bound is the function's slope times the
//! inputs' deviation plus each path's evaluation error. The soundness checks
//! here therefore move the loop path's input to an end of its deviation
//! interval (where the slope is largest, across the clip, across relu's
//! jump) and compare the crate's own results at both points; for `f32` they
//! also check each evaluation against the same formula in `f64` (exact to
//! within `2⁻²⁹` of `f32`'s `u`) within its share.

use super::definitions::{a_definition, assert_same};
use super::exact::{Worst, two_sum};
use super::*;
use dualpath::Loss;
use dualpath::nn::activation::sigmoid;
use dualpath::nn::loss::LossKind;
use dualpath::proof::bounds::{Agreement, activation_backward_bound, loss_bound, output_dz_bound};

// ---------------------------------------------------------------------------
// The constants, restated.

/// Keras' `backend.epsilon()`, `1e-7` (`keras/src/backend/config.py`,
/// `_EPSILON = 1e-7`): binary cross-entropy on a probability output clips
/// it to `[ε, 1 - ε]` and passes no gradient where it clipped.
pub(super) const EPSILON: f64 = 1e-7;

/// `(lip′, err′)` of `g'` as the function of the cached `a` it is computed
/// from, from the comments of `bounds.rs`'s `constants`: the sigmoid's
/// `a(1 - a)` has slope `|1 - 2a| ≤ 1` and two roundings (`1u` allowed);
/// tanh's `1 - a²` slope `2|a| ≤ 2` and two roundings (`2u`). Linear's and
/// relu's `g'` are constants away from relu's jump.
fn lip_err_prime(g: Activation) -> (f64, f64) {
    match g {
        Activation::Sigmoid => (1.0, 1.0),
        Activation::Tanh => (2.0, 2.0),
        _ => (0.0, 0.0),
    }
}

/// `g'` as both paths compute it, in `T`: 1; 1 for `z > 0` else 0 (relu's
/// jump, 0 at the kink as in TensorFlow); `a(1 - a)`; `1 - a²`.
fn g_prime_value<T: Real>(g: Activation, z: T, a: T) -> T {
    match g {
        Activation::Linear => T::one(),
        Activation::Relu => {
            if z > T::zero() {
                T::one()
            } else {
                T::zero()
            }
        }
        Activation::Sigmoid => a * (T::one() - a),
        Activation::Tanh => T::one() - a * a,
        Activation::Softmax => unreachable!("softmax has no element-wise g'"),
    }
}

/// `(δg', ḡ')`: a bound on `|g'_s - g'_m|` and on both `|g'|`. The same `z`
/// (`δZ = 0`) means the same `a` and the same bits: `(0, |g'|)`. Else relu's
/// `g'` may differ by its whole jump, 1, when `|z| ≤ δZ` (the loop path's
/// `z` may then lie on the other side of 0, or on it), linear's never, and
/// the sigmoid's and tanh's by `lip′·δA + 2·err′·u`.
pub(super) fn g_prime_definition<T: Real>(
    g: Activation,
    z: T,
    a: T,
    dev_z: f64,
    dev_a: f64,
) -> (f64, f64) {
    let gp = g_prime_value(g, z, a).as_f64().abs();
    if dev_z == 0.0 {
        return (0.0, gp);
    }
    let d = match g {
        Activation::Linear => 0.0,
        Activation::Relu if z.as_f64().abs() <= dev_z => 1.0,
        Activation::Relu => 0.0,
        _ => {
            let (lip, err) = lip_err_prime(g);
            lip * dev_a + 2.0 * err * unit_roundoff::<T>()
        }
    };
    (d, gp + d)
}

/// `dZ = dA ⊙ g'`'s bound by its definition: 0 when neither input differs
/// (`δdA = 0`, `δg' = 0`); else
/// `(δdA·ḡ' + |dA|·δg' + 2u·(|dA| + δdA)·ḡ' + 2η)·OWN`
/// (`|dA_s g'_s - dA_m g'_m|`, plus one rounding of each path's product).
pub(super) fn activation_backward_definition<T: Real>(
    da: &DMatrix<T>,
    dev_da: &DMatrix<f64>,
    z: &DMatrix<T>,
    dev_z: &DMatrix<f64>,
    a: &DMatrix<T>,
    dev_a: &DMatrix<f64>,
    g: Activation,
) -> DMatrix<f64> {
    let u = unit_roundoff::<T>();
    let mut out = DMatrix::zeros(da.nrows(), da.ncols());
    for i in 0..da.nrows() {
        for j in 0..da.ncols() {
            let (dgp, gp_bar) =
                g_prime_definition(g, z[(i, j)], a[(i, j)], dev_z[(i, j)], dev_a[(i, j)]);
            let (d, dd) = (abs_f64(da[(i, j)]), dev_da[(i, j)]);
            if dd == 0.0 && dgp == 0.0 {
                continue;
            }
            out[(i, j)] =
                (dd * gp_bar + d * dgp + 2.0 * u * (d + dd) * gp_bar + 2.0 * eta::<T>()) * OWN;
        }
    }
    out
}

/// Which formula an element-wise loss uses on output activation `g`
/// (`Loss::element`, `Loss::output_dz_element`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Form {
    /// Binary cross-entropy from `z`: on a sigmoid output, or from logits on
    /// a linear one. `ℓ = max(z, 0) - z·y + ln(1 + e^{-|z|})`, `dz = (a - y)·s`.
    FromZ,
    /// Mean squared error: `ℓ = (a - y)²`, `dz = 2(a - y)·s·g'`.
    Squared,
    /// Binary cross-entropy on relu's or tanh's `a`, clipped to `[ε, 1 - ε]`:
    /// `dz = (a - y)/(a(1 - a))·s·g'`, 0 where clipped.
    Clipped,
}

pub(super) fn form(loss: Loss, g: Activation) -> Form {
    match (loss.kind(), loss.from_logits(), g) {
        (LossKind::MeanSquaredError, _, _) => Form::Squared,
        (LossKind::BinaryCrossentropy, true, _)
        | (LossKind::BinaryCrossentropy, false, Activation::Sigmoid) => Form::FromZ,
        (LossKind::BinaryCrossentropy, false, _) => Form::Clipped,
        _ => unreachable!("an element-wise loss"),
    }
}

/// `ε` and `1 - ε` as `T` computes them (`T::of_f64(1e-7)`, `1 - ε` in `T`):
/// the clip's edges in `output_dz_element`.
pub(super) fn clip_edges<T: Real>() -> (f64, f64) {
    let eps = T::of_f64(EPSILON);
    (eps.as_f64(), (T::one() - eps).as_f64())
}

/// One element of the output `dZ`'s bound, split as `(carried, rounding)`
/// (the inputs' deviation through the function's slope, and both paths'
/// roundings), or `None` where neither input may differ. The bound is
/// `(carried + rounding + 2η)·OWN`. With `s = 1/count` as `T` rounds it,
/// `r = |â - y|`, `d = δA` and `(δg', ḡ')` from `g_prime_definition`:
/// - from `z`: on logits, `â = σ(z)` and `d` is a sigmoid layer's `A` bound
///   from `δZ` (`(¼δZ + 12u·(σ(z) + ¼δZ) + 8η)·OWN`), `δg' = 0`, `ḡ' = 1`;
///   carried `s·d`, rounding `γ₂·s·(2r + d)` (`a - y`, `·s`);
/// - squared: carried `2s·(d·ḡ' + r·δg')`, rounding `γ₃·2s·(2r + d)·ḡ'`;
/// - clipped, with `[lo, hi] = [â - d, â + d]` inside `[ε, 1 - ε]`: `h(p) =
///   (p - y)/(p(1 - p))` has slope at most `2/q²`, `q = min(q(lo), q(hi))`,
///   `q(p) = p(1 - p)`, and size at most `h̄ = (r + d)/q`: carried
///   `s·(2/q²·d·ḡ' + h̄·δg')`, rounding `2γ₆·s·h̄·ḡ'` (six roundings);
/// - clipped, the interval wholly below `ε` or above `1 - ε`: both paths
///   clip, both give 0: the bound is 0 (and the `2η`);
/// - clipped, the interval touching a clip edge: either path may give 0,
///   each lies within `(1 + γ₆)·s·ḡ'/q` of 0 with `q` the smallest `q(p)`
///   over the unclipped part of the interval, never below `q(ε)`: carried
///   `2s·ḡ'/q`, rounding `2γ₆·s·ḡ'/q`.
#[allow(clippy::too_many_arguments)]
pub(super) fn output_dz_parts<T: Real>(
    loss: Loss,
    g: Activation,
    z: T,
    dev_z: f64,
    a: T,
    dev_a: f64,
    y: T,
    count: usize,
) -> Option<(f64, f64)> {
    let u = unit_roundoff::<T>();
    let s = (T::one() / T::of_f64(count as f64)).as_f64();
    let f = form(loss, g);
    let logits = loss.from_logits();
    let (a_hat, d) = if logits {
        let sz = sigmoid(z).as_f64();
        let (lip, err) = lip_err(Activation::Sigmoid);
        let d = (lip * dev_z + 2.0 * err * u * (sz + lip * dev_z) + 8.0 * eta::<T>()) * OWN;
        (sz, d)
    } else {
        (a.as_f64(), dev_a)
    };
    let (dgp, gp_bar) = if logits {
        (0.0, 1.0)
    } else {
        g_prime_definition(g, z, a, dev_z, dev_a)
    };
    if d == 0.0 && dgp == 0.0 {
        return None;
    }
    let r = (a_hat - y.as_f64()).abs();
    let q = |p: f64| p * (1.0 - p);
    Some(match f {
        Form::FromZ => (s * d, gamma_of::<T>(2) * s * (2.0 * r + d)),
        Form::Squared => (
            2.0 * s * (d * gp_bar + r * dgp),
            gamma_of::<T>(3) * 2.0 * s * (2.0 * r + d) * gp_bar,
        ),
        Form::Clipped => {
            let (lo_clip, hi_clip) = clip_edges::<T>();
            let (lo, hi) = (a_hat - d, a_hat + d);
            let g6 = gamma_of::<T>(6);
            if lo >= lo_clip && hi <= hi_clip {
                let qmin = q(lo).min(q(hi));
                let h_bar = (r + d) / qmin;
                (
                    s * (2.0 / (qmin * qmin) * d * gp_bar + h_bar * dgp),
                    2.0 * g6 * s * h_bar * gp_bar,
                )
            } else if hi < lo_clip || lo > hi_clip {
                (0.0, 0.0)
            } else {
                let qmin = q(lo.max(lo_clip)).min(q(hi.min(hi_clip))).max(q(lo_clip));
                (2.0 * s * gp_bar / qmin, 2.0 * g6 * s * gp_bar / qmin)
            }
        }
    })
}

/// The output `dZ`'s bound by its definition, element by element.
pub(super) fn output_dz_definition<T: Real>(
    loss: Loss,
    g: Activation,
    z: &DMatrix<T>,
    dev_z: &DMatrix<f64>,
    a: &DMatrix<T>,
    dev_a: &DMatrix<f64>,
    y: &DMatrix<T>,
) -> DMatrix<f64> {
    DMatrix::from_fn(z.nrows(), z.ncols(), |i, j| {
        let at = (i, j);
        match output_dz_parts(loss, g, z[at], dev_z[at], a[at], dev_a[at], y[at], z.len()) {
            None => 0.0,
            Some((c, r)) => (c + r + 2.0 * eta::<T>()) * OWN,
        }
    })
}

/// One element of the loss bound, split as `(carried, rounding)`: the
/// difference of the two paths' `ℓ` from their inputs' deviation, and both
/// paths' evaluation errors. With `r = |a - y|`, `d_z = δZ`, `d = δA`:
/// - from `z`: `dℓ/dz = σ(z) - y` is at most 1 in size: carried `d_z`;
///   about eight roundings of terms no larger than `|z|`, `|z·y|`, `ln 2`
///   per path: rounding `16u·(2(|z| + d_z) + 1)`;
/// - squared: `(a_s - y)² - (a_m - y)²` is at most `d·(2r + d)`; per path
///   `a - y` rounds once, which the square doubles, and the square once:
///   within `γ₃` of `(a - y)² ≤ (r + d)²`, rounding `2γ₃·(r + d)²`;
/// - clipped: both paths' clipped `p` lie in `[p_lo, p_hi] = [clamp(a - d),
///   clamp(a + d)]` (`ε = 10⁻⁷` and `1 - ε` in `f64`, an interval holding
///   `T`'s), where `|dℓ/dp| ≤ 1/(p(1 - p))` is largest at an end, and differ
///   by at most `d` and at most `p_hi - p_lo`: carried `min(d, p_hi - p_lo)/q`
///   (0 when both clip at one edge); `|ln p| ≤ ln(10⁷) < 17`: rounding
///   `16u·2·17`.
pub(super) fn loss_parts<T: Real>(
    loss: Loss,
    g: Activation,
    z: T,
    dev_z: f64,
    a: T,
    dev_a: f64,
    y: T,
) -> (f64, f64) {
    let u = unit_roundoff::<T>();
    let r = (a.as_f64() - y.as_f64()).abs();
    match form(loss, g) {
        Form::FromZ => (dev_z, 16.0 * u * (2.0 * (z.as_f64().abs() + dev_z) + 1.0)),
        Form::Squared => (
            dev_a * (2.0 * r + dev_a),
            2.0 * gamma_of::<T>(3) * (r + dev_a) * (r + dev_a),
        ),
        Form::Clipped => {
            let clamp = |p: f64| p.clamp(EPSILON, 1.0 - EPSILON);
            let (lo, hi) = (clamp(a.as_f64() - dev_a), clamp(a.as_f64() + dev_a));
            let q = (lo * (1.0 - lo)).min(hi * (1.0 - hi));
            (dev_a.min(hi - lo) / q, 16.0 * u * 2.0 * 17.0)
        }
    }
}

/// The mean loss's bound by its definition: with `d_ij` each element's
/// `carried + rounding` and `ℓ̂_ij` the matrix path's `|ℓ|`,
/// `((Σ d_ij + 2γ_{n+m}·Σ (ℓ̂_ij + d_ij))/(m·n) + 2η)·OWN`: `Loss::value`
/// sums each row's `n` terms, divides, sums the `m` rows and divides, about
/// `n + m` roundings of sums of terms no larger than `ℓ̂ + d`.
pub(super) fn loss_definition<T: Real>(
    loss: Loss,
    g: Activation,
    z: &DMatrix<T>,
    dev_z: &DMatrix<f64>,
    a: &DMatrix<T>,
    dev_a: &DMatrix<f64>,
    y: &DMatrix<T>,
) -> f64 {
    let (m, n) = z.shape();
    let (mut diff, mut size) = (0.0, 0.0);
    for i in 0..m {
        for j in 0..n {
            let at = (i, j);
            let (c, r) = loss_parts(loss, g, z[at], dev_z[at], a[at], dev_a[at], y[at]);
            let l_hat = loss.element(g, z[at], a[at], y[at]).as_f64().abs();
            diff += c + r;
            size += l_hat + c + r;
        }
    }
    let count = (m * n) as f64;
    ((diff + 2.0 * gamma_of::<T>(n + m) * size) / count + 2.0 * eta::<T>()) * OWN
}

/// The element-wise losses and the output activations each takes
/// (`Loss::check_output`'s table): binary cross-entropy from `z` on a
/// sigmoid, from logits on a linear output, clipped on relu and tanh; mean
/// squared error on each.
pub(super) fn loss_outputs() -> Vec<(Loss, Activation)> {
    use Activation::*;
    let bce = Loss::BINARY_CROSSENTROPY;
    let mse = Loss::MEAN_SQUARED_ERROR;
    vec![
        (bce, Sigmoid),
        (bce.with_logits(), Linear),
        (bce, Relu),
        (bce, Tanh),
        (mse, Linear),
        (mse, Sigmoid),
        (mse, Relu),
        (mse, Tanh),
    ]
}

/// `z` values that reach each branch for output `g`: relu at and around 0,
/// at `ε` and `2ε` and about `1 - ε` (the clip's edges), above 1; tanh's
/// `a` near `±ε` and `1 - ε`; saturated sigmoids; logits at `±10³`, `±40`, 0.
fn z_values<T: Real>(g: Activation) -> Vec<T> {
    let (eps, hi) = clip_edges::<T>();
    let v: Vec<f64> = match g {
        Activation::Relu => vec![
            0.0,
            -1.0,
            eps,
            2.0 * eps,
            0.5 * eps,
            0.3,
            hi,
            0.999,
            1.0,
            2.0,
            0.01,
            -1e-9,
        ],
        Activation::Tanh => vec![
            0.0, -0.5, 1e-7, 2e-7, 0.3, 0.8, 8.0, 9.0, 20.0, -3.0, 0.01, 1.5,
        ],
        Activation::Sigmoid => vec![
            0.0, 0.3, -2.0, 40.0, -40.0, 1e3, -1e3, 16.0, -16.0, 5.0, 0.01, -0.7,
        ],
        _ => vec![
            0.0, 1e3, -1e3, 40.0, -40.0, 0.7, -3.0, 1e-9, 12.0, -0.5, 2.0, 30.0,
        ],
    };
    v.into_iter().map(T::of_f64).collect()
}

/// A definition case: `z`, `a = g(z)`, `y`, and deviation bounds `δZ`, `δA`
/// in six modes by element: both 0; `δZ` only; `δA` only; small; `δZ = |z|`
/// exactly (relu's `|z| ≤ δZ` at equality); large, across the clip.
#[allow(clippy::type_complexity)]
fn definition_case<T: Real>(
    rng: &mut Rng,
    loss: Loss,
    g: Activation,
    rows: usize,
    zero_dev: bool,
) -> (
    DMatrix<T>,
    DMatrix<f64>,
    DMatrix<T>,
    DMatrix<f64>,
    DMatrix<T>,
) {
    let zs = z_values::<T>(g);
    let cols = zs.len() / rows;
    let z = DMatrix::from_fn(rows, cols, |i, j| zs[i * cols + j]);
    let a = z.map(|v| g.g(v));
    let y = DMatrix::from_fn(rows, cols, |i, j| {
        if form(loss, g) == Form::Squared {
            T::of_f64(rng.uniform(-3.0, 3.0))
        } else {
            T::of_f64([0.0, 1.0, rng.uniform(0.0, 1.0)][(i + j) % 3])
        }
    });
    let mut dz = DMatrix::zeros(rows, cols);
    let mut da = DMatrix::zeros(rows, cols);
    if !zero_dev {
        for i in 0..rows {
            for j in 0..cols {
                let (zv, av) = (abs_f64(z[(i, j)]), abs_f64(a[(i, j)]));
                let mode = (i * cols + j + rows) % 6;
                // Mode 4 keeps `δZ = |z|` exact; the others vary by a random factor.
                let f = if mode == 4 {
                    1.0
                } else {
                    rng.uniform(0.5, 1.0)
                };
                let (x, w) = match mode {
                    0 => (0.0, 0.0),
                    1 => (1e-6 * (zv + 1.0), 0.0),
                    2 => (0.0, 1e-6),
                    3 => (1e-3 * (zv + 1.0), 1e-3 * (av + 1e-3)),
                    4 => (zv, 0.5 * av + 1e-9),
                    _ => (2.0 * zv + 1e-9, 2.0 * av + 1e-3),
                };
                dz[(i, j)] = x * f;
                da[(i, j)] = w;
            }
        }
    }
    (z, dz, a, da, y)
}

fn loss_definitions_for<T: Real>() {
    let mut rng = Rng(31);
    for (loss, g) in loss_outputs() {
        for (rows, zero_dev) in [(1, false), (2, false), (3, true), (4, false), (6, false)] {
            let (z, dz, a, da, y) = definition_case::<T>(&mut rng, loss, g, rows, zero_dev);
            let at = format!("{} {} {g:?} {rows} rows", T::NAME, loss.keras_name());
            let got = output_dz_bound(loss, g, &z, &dz, &a, &da, &y);
            let want = output_dz_definition(loss, g, &z, &dz, &a, &da, &y);
            for (k, (&gb, &w)) in got.iter().zip(want.iter()).enumerate() {
                assert_same(&format!("output dZ {at} #{k}"), gb, w, 8);
            }
            let got = loss_bound(loss, g, &z, &dz, &a, &da, &y);
            let want = loss_definition(loss, g, &z, &dz, &a, &da, &y);
            assert_same(&format!("loss {at}"), got, want, 4 * z.len());
        }
    }
}

/// The clip's edges reached exactly, for `>=` and `<=` against `>` and `<`:
/// a relu output at `2ε` with `δA = ε` (so `â - δA = ε`), and at ½ with
/// `δA = (1 - ε) - ½` (so `â + δA = 1 - ε`), both exact in `f64`, and the
/// same just past each edge.
fn clip_edge_definitions_for<T: Real>() {
    let (eps, hi) = clip_edges::<T>();
    let loss = Loss::BINARY_CROSSENTROPY;
    let g = Activation::Relu;
    // Then both clipped (`hi < ε`, `lo > 1 - ε`) against touching at
    // equality: relu outputs 0 and 1 with `δA = ε` and `δA = 1 - (1 - ε)`
    // (exact), and the same with `δA` a little smaller (both clip).
    let z = DMatrix::from_row_slice(1, 8, &[2.0 * eps, 0.5, 2.0 * eps, 0.5, 0.0, 1.0, 0.0, 1.0])
        .map(T::of_f64);
    let a = z.clone();
    let (e1, e2) = (hi - 0.5, 1.0 - hi);
    let da = DMatrix::from_row_slice(
        1,
        8,
        &[eps, e1, eps * 1.5, e1 * 1.01, eps, e2, eps * 0.5, e2 * 0.5],
    );
    let dz = da.map(|d| d * 0.5);
    let y = DMatrix::from_row_slice(1, 8, &[1.0, 0.0, 0.4, 1.0, 1.0, 0.0, 0.3, 1.0]).map(T::of_f64);
    let got = output_dz_bound(loss, g, &z, &dz, &a, &da, &y);
    let want = output_dz_definition(loss, g, &z, &dz, &a, &da, &y);
    for (k, (&gb, &w)) in got.iter().zip(want.iter()).enumerate() {
        assert_same(
            &format!("{} output dZ at the clip's edge #{k}", T::NAME),
            gb,
            w,
            8,
        );
    }
    // At an edge the unclipped formula and the touching one differ by a
    // factor of about `1/(1 - ε)`, far above `assert_same`'s tolerance, so
    // taking the other branch there fails the comparison; touching and both
    // clipped differ by the whole bound.
    assert!(got[6] < 1e-40 && got[7] < 1e-40, "both clipped: {got}");
    assert!(got[4] > 1.0 && got[5] > 1.0, "touching at equality: {got}");
}

#[test]
fn output_dz_and_loss_bounds_are_their_definitions() {
    loss_definitions_for::<f64>();
    loss_definitions_for::<f32>();
    clip_edge_definitions_for::<f64>();
    clip_edge_definitions_for::<f32>();
}

/// Activation backward inputs reaching every branch, by element mode:
/// `δZ = 0` with `δdA > 0`; everything 0; `δZ = |z|` exactly; `z` within
/// `δZ` of 0; `z` outside it with `δdA = 0` (relu and linear: no
/// deviation at all); `z = 0` with `δZ > 0`; `δZ = 0` with `δA > 0`
/// (the same `z` gives the same bits whatever `δA` says).
fn activation_backward_definitions_for<T: Real>() {
    let mut rng = Rng(32);
    for g in [
        Activation::Linear,
        Activation::Relu,
        Activation::Sigmoid,
        Activation::Tanh,
    ] {
        for (rows, cols) in [(1, 7), (3, 7), (5, 9)] {
            let mut z = rng.matrix::<T>(rows, cols, -3.0, 3.0);
            let da = rng.matrix::<T>(rows, cols, -2.0, 2.0);
            let mut dev_z = DMatrix::zeros(rows, cols);
            let mut dev_a = DMatrix::zeros(rows, cols);
            let mut dev_da = DMatrix::zeros(rows, cols);
            for i in 0..rows {
                for j in 0..cols {
                    let zv = abs_f64(z[(i, j)]);
                    let small = rng.uniform(1e-7, 1e-3);
                    let (dz, dd, dva) = match (i + j) % 7 {
                        0 => (0.0, small, 0.0),
                        1 => (0.0, 0.0, 0.0),
                        2 => (zv, 0.0, small),
                        3 => (2.0 * zv, small, small),
                        4 => (0.5 * zv, 0.0, small),
                        5 => {
                            z[(i, j)] = T::zero();
                            (small, small, small)
                        }
                        _ => (0.0, small, small),
                    };
                    dev_z[(i, j)] = dz;
                    dev_da[(i, j)] = dd;
                    dev_a[(i, j)] = dva;
                }
            }
            let a = z.map(|v| g.g(v));
            let got = activation_backward_bound(&da, &dev_da, &z, &dev_z, &a, &dev_a, g);
            let want = activation_backward_definition(&da, &dev_da, &z, &dev_z, &a, &dev_a, g);
            for (k, (&gb, &w)) in got.iter().zip(want.iter()).enumerate() {
                let at = format!("{} {g:?} dZ #{k}", T::NAME);
                assert_same(&at, gb, w, 6);
            }
        }
    }
}

#[test]
fn activation_backward_bound_is_its_definition() {
    activation_backward_definitions_for::<f64>();
    activation_backward_definitions_for::<f32>();
}

#[test]
fn agreement_is_the_largest_ratio_of_difference_to_bound() {
    let x = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 4.0]);
    let y = DMatrix::from_row_slice(2, 2, &[1.5, 2.0, 2.0, 4.25]);
    // Differences 0.5, 0, 1, 0.25; the zero difference meets a zero bound.
    let bound = DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 4.0, 0.125]);
    let got = Agreement::of(&x, &y, &bound);
    assert_eq!(
        got,
        Agreement {
            max_diff: 1.0,
            max_bound: 4.0,
            worst_ratio: 2.0,
        }
    );
    assert!(!got.holds());
    let within = DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 4.0, 0.25]);
    let got = Agreement::of(&x, &y, &within);
    assert_eq!(got.worst_ratio, 1.0); // 0.25/0.25: exactly at the bound
    assert!(got.holds());
    let equal = Agreement::of(&x, &x, &DMatrix::zeros(2, 2));
    assert_eq!(equal, Agreement::default());
    assert!(equal.holds());
    let nothing_allowed = Agreement::of(&x, &y, &DMatrix::zeros(2, 2));
    assert_eq!(nothing_allowed.worst_ratio, f64::INFINITY);
    assert!(!nothing_allowed.holds());

    let s = Agreement::of_scalar(1.0_f32, 1.5, 0.25);
    assert_eq!(
        s,
        Agreement {
            max_diff: 0.5,
            max_bound: 0.25,
            worst_ratio: 2.0,
        }
    );
    assert!(!s.holds());
    assert!(Agreement::of_scalar(1.0_f32, 1.5, 0.5).holds());
    assert_eq!(Agreement::of_scalar(2.0, 2.0, 0.0).worst_ratio, 0.0);
    assert_eq!(
        Agreement::of_scalar(2.0, 3.0, 0.0).worst_ratio,
        f64::INFINITY
    );
}

#[test]
#[should_panic(expected = "shapes")]
fn agreement_refuses_different_shapes() {
    let x = DMatrix::<f64>::zeros(2, 3);
    let _ = Agreement::of(&x, &x, &DMatrix::zeros(3, 2));
}

// ---------------------------------------------------------------------------
// 2. Soundness: the loop path's input at each end of its deviation interval.

/// `|x - y|` for two values of `T`, rounded up to the next `f64` if the
/// subtraction was not exact (it is for `f32`, and for close `f64` values
/// by Sterbenz's lemma): a true bound on the deviation.
fn distance<T: Real>(x: T, y: T) -> f64 {
    let (d, e) = two_sum(x.as_f64(), -y.as_f64());
    if e == 0.0 {
        d.abs()
    } else {
        f64::from_bits(d.abs().to_bits() + 1)
    }
}

/// The adversarial points of output `g`: every `z` of the definitions plus
/// the clip's edges approached from each side, steep and saturated sigmoids
/// (`σ` rounds to 1 at `z ≈ 17` in `f32`, `37` in `f64`) and large residuals.
fn soundness_points<T: Real>(g: Activation) -> Vec<T> {
    let (eps, hi) = clip_edges::<T>();
    let mut v = z_values::<T>(g);
    let extra: Vec<f64> = match g {
        Activation::Relu => vec![eps * 1.0001, eps * 0.9999, hi * 0.9999999, 1e-6, 0.5],
        Activation::Tanh => vec![-1e-7, 1e-7 * 1.0001, 8.3, 0.55],
        Activation::Sigmoid => vec![17.0, 37.0, -17.0, -37.0, 745.0, -745.0],
        _ => vec![-745.0, 745.0, 1e-30, -0.01],
    };
    v.extend(extra.into_iter().map(T::of_f64));
    v
}

/// One `(loss, g)` at every point, with the loop path's `z` at `z ± δ` for
/// each `δ`: below `f32`'s spacing (the same bits), small, and large enough
/// to cross relu's jump and the clip. The crate's `dZ` and `J` at both
/// points differ by no more than their bounds.
fn two_point_soundness_for<T: Real>(worst: &mut Worst, loss: Loss, g: Activation) {
    let zs = soundness_points::<T>(g);
    let n = zs.len();
    for &y_val in &[0.0, 1.0, 0.3, 40.0, -1e3] {
        if form(loss, g) != Form::Squared && !(0.0..=1.0).contains(&y_val) {
            continue; // binary labels lie in [0, 1]
        }
        let y = DMatrix::from_element(1, n, T::of_f64(y_val));
        for delta in [1e-12, 1e-7, 1e-4, 0.01, 0.3] {
            for sign in [1.0, -1.0] {
                let z_m = DMatrix::from_fn(1, n, |_, j| zs[j]);
                let z_s = z_m.map(|z| z + T::of_f64(sign * delta * (1.0 + abs_f64(z))));
                let dev_z = z_m.zip_map(&z_s, distance);
                let a_m = z_m.map(|z| g.g(z));
                let a_s = z_s.map(|z| g.g(z));
                let dev_a = a_definition(g, &dev_z, &a_m);
                let mut dz_m = DMatrix::zeros(1, n);
                let mut dz_s = DMatrix::zeros(1, n);
                loss.output_dz(&mut dz_m, g, &z_m, &a_m, &y);
                loss.output_dz(&mut dz_s, g, &z_s, &a_s, &y);
                let bound = output_dz_bound(loss, g, &z_m, &dev_z, &a_m, &dev_a, &y);
                let agree = Agreement::of(&dz_s, &dz_m, &bound);
                let at = format!(
                    "{} {} {g:?} y {y_val} δ {sign}·{delta}",
                    T::NAME,
                    loss.keras_name()
                );
                assert!(
                    agree.holds(),
                    "output dZ {at}: {agree:?}\n{dz_s}{dz_m}{bound}"
                );
                worst.see(
                    format!("output dZ {} {g:?} {}", loss.keras_name(), T::NAME),
                    agree.worst_ratio,
                );
                // The mean over the row, and each element alone (no mean to dilute it).
                let j_m = loss.value(g, &z_m, &a_m, &y);
                let j_s = loss.value(g, &z_s, &a_s, &y);
                let b = loss_bound(loss, g, &z_m, &dev_z, &a_m, &dev_a, &y);
                let agree = Agreement::of_scalar(j_s, j_m, b);
                assert!(agree.holds(), "J {at}: {agree:?}");
                for k in 0..n {
                    let one = |m: &DMatrix<T>| DMatrix::from_element(1, 1, m[k]);
                    let onef = |m: &DMatrix<f64>| DMatrix::from_element(1, 1, m[k]);
                    let (zm, zsk, am, ask, yk) =
                        (one(&z_m), one(&z_s), one(&a_m), one(&a_s), one(&y));
                    let b = loss_bound(loss, g, &zm, &onef(&dev_z), &am, &onef(&dev_a), &yk);
                    let agree = Agreement::of_scalar(
                        loss.value(g, &zsk, &ask, &yk),
                        loss.value(g, &zm, &am, &yk),
                        b,
                    );
                    assert!(agree.holds(), "ℓ {at} at z = {}: {agree:?}", z_m[k]);
                    worst.see(
                        format!("ℓ {} {g:?} {}", loss.keras_name(), T::NAME),
                        agree.worst_ratio,
                    );
                }
            }
        }
    }
}

/// `σ(z)` in `f64` for the references, in the form that never overflows.
fn sigmoid64(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        z.exp() / (1.0 + z.exp())
    }
}

/// Each `f32` evaluation against the same formula in `f64` on the same
/// `f32` inputs (whose own error, a few `f64` ulps, is the `slack`), within
/// the path's share: half the rounding part of the two-path bound.
/// - output `dZ`: from `z`, `γ₂·s·r` (plus `6u·s·σ(z)` on logits, the
///   sigmoid's own error, half of the `12u` in its `δA`); squared
///   `γ₃·2s·r·|g'|`; clipped `γ₆·s·|h|·|g'|`, with `r`, `|h|` and `|g'|` at
///   this path's own inputs;
/// - `ℓ`: from `z`, `8u·(2|z| + 1)`; squared `γ₃·r²`; clipped `16u·17`.
fn evaluation_f32(worst: &mut Worst, loss: Loss, g: Activation) {
    let u = unit_roundoff::<f32>();
    let (eps, hi) = clip_edges::<f32>();
    for &z in &soundness_points::<f32>(g) {
        for y in [0.0_f32, 1.0, 0.3, 40.0] {
            if form(loss, g) != Form::Squared && y > 1.0 {
                continue;
            }
            let a = if loss.from_logits() { z } else { g.g(z) };
            let (zf, af, yf) = (f64::from(z), f64::from(a), f64::from(y));
            let s = 1.0 / 3.0_f32; // as for a batch of three outputs
            let sf = f64::from(s);
            let gp = g_prime_value(g, z, a);
            let gpf = f64::from(gp).abs();
            let dz = loss.output_dz_element(g, z, a, y, s);
            let (want, share) = match form(loss, g) {
                Form::FromZ if loss.from_logits() => {
                    let p = sigmoid64(zf);
                    let r = (f64::from(sigmoid(z)) - yf).abs();
                    (
                        (p - yf) * sf,
                        gamma_of::<f32>(2) * sf * r + 6.0 * u * sf * p,
                    )
                }
                Form::FromZ => ((af - yf) * sf, gamma_of::<f32>(2) * sf * (af - yf).abs()),
                Form::Squared => (
                    2.0 * (af - yf) * sf * f64::from(gp),
                    gamma_of::<f32>(3) * 2.0 * sf * (af - yf).abs() * gpf,
                ),
                Form::Clipped if af < eps || af > hi => (0.0, 0.0),
                Form::Clipped => {
                    let h = (af - yf) / (af * (1.0 - af));
                    (
                        h * sf * f64::from(gp),
                        gamma_of::<f32>(6) * sf * h.abs() * gpf,
                    )
                }
            };
            let diff = (f64::from(dz) - want).abs();
            let slack = 16.0 * unit_roundoff::<f64>() * want.abs();
            let at = format!("{} {g:?} z {z} y {y}", loss.keras_name());
            assert!(
                diff <= share + slack,
                "f32 output dZ {at}: {dz} against {want}, share {share:e}"
            );
            if diff > slack {
                worst.see(
                    format!("eval dZ {} {g:?} f32", loss.keras_name()),
                    diff / share,
                );
            }
            let l = loss.element(g, z, a, y);
            let (want, share) = match form(loss, g) {
                Form::FromZ => (
                    zf.max(0.0) - zf * yf + (-zf.abs()).exp().ln_1p(),
                    8.0 * u * (2.0 * zf.abs() + 1.0),
                ),
                Form::Squared => (
                    (af - yf) * (af - yf),
                    gamma_of::<f32>(3) * (af - yf).powi(2),
                ),
                Form::Clipped => {
                    let p = f64::from(a.clamp(eps as f32, hi as f32));
                    (
                        -(yf * p.ln() + (1.0 - yf) * (1.0 - p).ln()),
                        16.0 * u * 17.0,
                    )
                }
            };
            let diff = (f64::from(l) - want).abs();
            let slack = 16.0 * unit_roundoff::<f64>() * (want.abs() + zf.abs());
            assert!(
                diff <= share + slack,
                "f32 ℓ {at}: {l} against {want}, share {share:e}"
            );
            if diff > slack {
                worst.see(
                    format!("eval ℓ {} {g:?} f32", loss.keras_name()),
                    diff / share,
                );
            }
        }
    }
}

/// `g'` from the cached `a` against its exact value, within `err′·u`
/// (`bounds.rs`: 1u for `a(1 - a)`, 2u for `1 - a²`). The exact value by
/// error-free transformations: `1 - a` split by TwoSum into `h + l`, each
/// product split by a fused multiply-add, so `a(1 - a) = a·h + a·l` and
/// `1 - a² = 1 - (p + e)` are formed from exact pieces and rounded once in
/// `f64` (for `f32` they are exact in `f64` outright).
fn g_prime_evaluation_for<T: Real>(worst: &mut Worst) {
    let u = unit_roundoff::<T>();
    let mut rng = Rng(33);
    for g in [Activation::Sigmoid, Activation::Tanh] {
        let (_, err) = lip_err_prime(g);
        let mut zs: Vec<f64> = (0..400).map(|_| rng.uniform(-20.0, 20.0)).collect();
        zs.extend([0.0, 1e-8, -1e-8, 0.5, -0.5, 3.0, 17.0, 40.0, -40.0]);
        for z in zs {
            let a = g.g(T::of_f64(z));
            let got = g_prime_value(g, T::of_f64(z), a).as_f64();
            let x = a.as_f64();
            let exact = if g == Activation::Sigmoid {
                let (h, l) = two_sum(1.0, -x);
                let p = x * h;
                let e = x.mul_add(h, -p);
                p + (e + x * l)
            } else {
                let p = x * x;
                let e = x.mul_add(x, -p);
                let (s, t) = two_sum(1.0, -p);
                s + (t - e)
            };
            let share = err * u;
            let diff = (got - exact).abs();
            assert!(
                diff <= share + 4.0 * unit_roundoff::<f64>(),
                "{} {g:?}' at a = {x}: {got} against {exact}",
                T::NAME
            );
            worst.see(format!("eval g' {g:?} {}", T::NAME), diff / share);
        }
    }
}

#[test]
fn the_element_wise_steps_stay_within_their_bounds_at_each_end() {
    let mut worst = Worst::default();
    for (loss, g) in loss_outputs() {
        two_point_soundness_for::<f64>(&mut worst, loss, g);
        two_point_soundness_for::<f32>(&mut worst, loss, g);
        evaluation_f32(&mut worst, loss, g);
    }
    g_prime_evaluation_for::<f64>(&mut worst);
    g_prime_evaluation_for::<f32>(&mut worst);
    activation_backward_soundness_for::<f64>(&mut worst);
    activation_backward_soundness_for::<f32>(&mut worst);
    worst.print("element-wise steps: difference ÷ two-path bound, or evaluation error ÷ share");
}

/// `dZ = dA ⊙ g'(z, a)` as both paths compute it, at the matrix path's
/// `(dA, z)` and at the loop path's `(dA ± δdA, z ± δZ)`, every sign
/// combination, with `δA` the forward bound; `z` at relu's jump (0, ±δZ/2)
/// and over the sigmoid's and tanh's steep and flat parts.
fn activation_backward_soundness_for<T: Real>(worst: &mut Worst) {
    let mut rng = Rng(34);
    for g in [
        Activation::Linear,
        Activation::Relu,
        Activation::Sigmoid,
        Activation::Tanh,
    ] {
        for delta in [0.0, 1e-9, 1e-4, 0.05] {
            let mut zv: Vec<f64> = (0..24).map(|_| rng.uniform(-6.0, 6.0)).collect();
            zv.extend([
                0.0,
                delta / 2.0,
                -delta / 2.0,
                delta,
                30.0,
                -30.0,
                0.5,
                -0.5,
            ]);
            let n = zv.len();
            let z_m = DMatrix::from_fn(1, n, |_, j| T::of_f64(zv[j]));
            let da_m = DMatrix::from_fn(1, n, |_, _| T::of_f64(rng.uniform(-3.0, 3.0)));
            for (sz, sd) in [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)] {
                let z_s = z_m.map(|z| z + T::of_f64(sz * delta));
                let da_s = da_m.map(|d| d + T::of_f64(sd * delta * abs_f64(d)));
                let dev_z = z_m.zip_map(&z_s, distance);
                let dev_da = da_m.zip_map(&da_s, distance);
                let a_m = z_m.map(|z| g.g(z));
                let a_s = z_s.map(|z| g.g(z));
                let dev_a = a_definition(g, &dev_z, &a_m);
                let mut dz_m = DMatrix::zeros(1, n);
                let mut dz_s = DMatrix::zeros(1, n);
                g.backprop(
                    da_m.as_slice(),
                    z_m.as_slice(),
                    a_m.as_slice(),
                    dz_m.as_mut_slice(),
                );
                g.backprop(
                    da_s.as_slice(),
                    z_s.as_slice(),
                    a_s.as_slice(),
                    dz_s.as_mut_slice(),
                );
                let bound =
                    activation_backward_bound(&da_m, &dev_da, &z_m, &dev_z, &a_m, &dev_a, g);
                let agree = Agreement::of(&dz_s, &dz_m, &bound);
                assert!(
                    agree.holds(),
                    "{} {g:?} dA⊙g' δ {delta}: {agree:?}\n{dz_s}{dz_m}{bound}",
                    T::NAME
                );
                worst.see(format!("dA⊙g' {g:?} {}", T::NAME), agree.worst_ratio);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// 3. Tightness: deviations where each function is steepest.

/// `|dZ_s - dZ_m| / bound` for one output element, the loop path at
/// `(z_s, a_s)`, the matrix path at `(z_m, a_m)`, `count` outputs in all.
#[allow(clippy::too_many_arguments)]
fn dz_fraction<T: Real>(
    loss: Loss,
    g: Activation,
    (z_m, a_m): (T, T),
    (z_s, a_s): (T, T),
    dev_z: f64,
    dev_a: f64,
    y: T,
    count: usize,
) -> f64 {
    let s = T::one() / T::of_f64(count as f64);
    let m = loss.output_dz_element(g, z_m, a_m, y, s);
    let l = loss.output_dz_element(g, z_s, a_s, y, s);
    let one = |v: T| DMatrix::from_element(1, 1, v);
    // `count` enters the bound through the matrix's size: a row of `count` copies.
    let row = |v: T| DMatrix::from_element(1, count, v);
    let rowf = |v: f64| DMatrix::from_element(1, count, v);
    let bound = output_dz_bound(
        loss,
        g,
        &row(z_m),
        &rowf(dev_z),
        &row(a_m),
        &rowf(dev_a),
        &row(y),
    );
    let agree = Agreement::of(&one(l), &one(m), &bound.columns(0, 1));
    assert!(agree.holds(), "{loss:?} {g:?}: {agree:?}");
    agree.worst_ratio
}

/// The loss bound's fraction for one element (`m = n = 1`: the mean is exact).
fn loss_fraction<T: Real>(
    loss: Loss,
    g: Activation,
    (z_m, a_m): (T, T),
    (z_s, a_s): (T, T),
    dev_z: f64,
    dev_a: f64,
    y: T,
) -> f64 {
    let one = |v: T| DMatrix::from_element(1, 1, v);
    let onef = |v: f64| DMatrix::from_element(1, 1, v);
    let b = loss_bound(
        loss,
        g,
        &one(z_m),
        &onef(dev_z),
        &one(a_m),
        &onef(dev_a),
        &one(y),
    );
    let agree = Agreement::of_scalar(
        loss.value(g, &one(z_s), &one(a_s), &one(y)),
        loss.value(g, &one(z_m), &one(a_m), &one(y)),
        b,
    );
    assert!(agree.holds(), "{loss:?} {g:?}: {agree:?}");
    agree.worst_ratio
}

fn check(worst: &mut Worst, what: &str, f: f64, at_least: f64) {
    println!("{what:<58} {f:.4} (asserted ≥ {at_least})");
    assert!(f >= at_least, "{what} reaches only {f}");
    worst.see(what.to_string(), f);
}

/// Each bound's leading term, reached:
/// - output `dZ` from logits at `z = 0`, `δZ = 2⁻¹⁰`: `σ(δ) - σ(0) =
///   δ/4 - O(δ³)` (`σ''(0) = 0`) against the bound's `s·(δ/4 + 12u·…)`:
///   `1 - O(δ²) - O(u/δ)`, asserted 0.99;
/// - squared error, linear output: `2s·δ` exactly against `2s·δ + γ₃·…`: 0.99;
/// - squared error, sigmoid output, `a = 0.01`, `y = 0`, `a_s = a + δ`:
///   `d/da [a·a(1 - a)] = 2a - 3a²` against the bound's `gp + r + δ ≈ 2a - a²`
///   (its `|h'| ≤ 1` is reached as `a → 0`): `(2 - 3a)/(2 - a)` = 0.990, asserted 0.95;
/// - squared error, relu output across its jump (`z = ±δ/2`, `y = 1`): the
///   loop path's `g' = 0` against the matrix path's 1, `2s·r` against
///   `2s·(2δ + r)`: `1 - 2δ/r`, asserted 0.99;
/// - clipped cross-entropy, relu output, `a = 10⁻³`, `y = 1`: `|h'| =
///   (1 - a)²/q² = 1/a²` against the bound's `2/q²`: `(1 - a)²/2` = 0.499,
///   asserted 0.45 (the bound's 2 is twice the largest `|h'|·q²`, which is
///   `(p - y)² + y(1 - y) ≤ 1` for `p`, `y` in `[0, 1]`);
/// - clipped cross-entropy touching the clip: the matrix path at `a = ε`
///   (kept, `y = 1`: `dz = -s/ε·(1 + O(ε))`), the loop path just below `ε`
///   (clipped: 0), against the bound's `2s/q(ε)`: ½, asserted 0.45 (it lets
///   both paths be as large, with opposite signs);
/// - each loss's slope: squared error `a_s = a + δ` in the residual's
///   direction, `δ·(2r + δ)` exactly: 0.99; from logits at `z = 40`, `y = 0`,
///   slope `σ(40) ≈ 1` against the bound's 1: 0.95 (`f32`'s evaluation term
///   `16u·81` is 1% of `δ = 2⁻⁷`); clipped at `a = 10⁻³`, `y = 1`, slope
///   `1/a` against `1/q = 1/(a(1 - a))`: `1 - a`, asserted 0.95.
fn output_and_loss_tightness_for<T: Real>(worst: &mut Worst) {
    use Activation::*;
    let t = T::of_f64;
    let name = T::NAME;
    let bce = Loss::BINARY_CROSSENTROPY;
    let mse = Loss::MEAN_SQUARED_ERROR;
    let d = 2f64.powi(-10);

    let dev_a_sig = |dev_z: f64, a: T| {
        a_definition(
            Sigmoid,
            &DMatrix::from_element(1, 1, dev_z),
            &DMatrix::from_element(1, 1, a),
        )[0]
    };
    let f = dz_fraction(
        bce.with_logits(),
        Linear,
        (t(0.0), t(0.0)),
        (t(d), t(d)),
        d,
        d,
        t(1.0),
        3,
    );
    check(worst, &format!("dZ from logits, σ at 0, {name}"), f, 0.99);
    // The same through a sigmoid output layer: `δA` is the forward bound's.
    let (a0, a1) = (Sigmoid.g(t(0.0)), Sigmoid.g(t(d)));
    let f = dz_fraction(
        bce,
        Sigmoid,
        (t(0.0), a0),
        (t(d), a1),
        d,
        dev_a_sig(d, a0),
        t(1.0),
        3,
    );
    check(
        worst,
        &format!("dZ sigmoid output, σ at 0, {name}"),
        f,
        0.99,
    );

    let f = dz_fraction(
        mse,
        Linear,
        (t(1.0), t(1.0)),
        (t(1.0 + d), t(1.0 + d)),
        d,
        d,
        t(0.0),
        2,
    );
    check(worst, &format!("dZ squared, linear, {name}"), f, 0.99);

    let a = t(0.01);
    let a_s = a + t(d * 0.01);
    let f = dz_fraction(
        mse,
        Sigmoid,
        (t(0.0), a),
        (t(0.0), a_s),
        1.0,
        distance(a_s, a),
        t(0.0),
        2,
    );
    check(
        worst,
        &format!("dZ squared, sigmoid's g' slope at a = 0.01, {name}"),
        f,
        0.95,
    );

    let f = dz_fraction(
        mse,
        Relu,
        (t(d / 2.0), t(d / 2.0)),
        (t(-d / 2.0), t(0.0)),
        d,
        d,
        t(1.0),
        4,
    );
    check(worst, &format!("dZ squared, relu's jump, {name}"), f, 0.99);

    let a = t(1e-3);
    let a_s = a + t(1e-3 * d);
    let f = dz_fraction(
        bce,
        Relu,
        (a, a),
        (a_s, a_s),
        1e-9,
        distance(a_s, a),
        t(1.0),
        1,
    );
    check(
        worst,
        &format!("dZ clipped, h' at a = 1e-3, {name}"),
        f,
        0.45,
    );

    let (eps, _) = clip_edges::<T>();
    let (a, a_s) = (t(eps), t(eps * (1.0 - d)));
    // δZ = δA < ε = |z|: relu's g' is 1 on both paths, and the bound knows it.
    let f = dz_fraction(
        bce,
        Relu,
        (a, a),
        (a_s, a_s),
        distance(a_s, a),
        distance(a_s, a),
        t(1.0),
        1,
    );
    check(
        worst,
        &format!("dZ clipped, one path clips, {name}"),
        f,
        0.45,
    );

    let f = loss_fraction(
        mse,
        Linear,
        (t(1.0), t(1.0)),
        (t(1.0 + d), t(1.0 + d)),
        d,
        d,
        t(0.0),
    );
    check(
        worst,
        &format!("ℓ squared, δ along the residual, {name}"),
        f,
        0.99,
    );
    let dl = 2f64.powi(-7);
    let f = loss_fraction(
        bce.with_logits(),
        Linear,
        (t(40.0), t(40.0)),
        (t(40.0 + dl), t(40.0 + dl)),
        dl,
        dl,
        t(0.0),
    );
    check(
        worst,
        &format!("ℓ from logits, slope 1 at z = 40, {name}"),
        f,
        0.95,
    );
    let a = t(1e-3);
    let a_s = a - t(1e-3 * d);
    let f = loss_fraction(
        bce,
        Relu,
        (a, a),
        (a_s, a_s),
        1e-9,
        distance(a_s, a),
        t(1.0),
    );
    check(
        worst,
        &format!("ℓ clipped, slope 1/a at a = 1e-3, {name}"),
        f,
        0.95,
    );
}

/// `dA ⊙ g'`'s terms reached, `dA = 1` on both paths unless said:
/// - sigmoid at `a = 0.01`, the loop path's `a + δ`: `|h'| = 1 - 2a` against
///   the bound's 1: 0.98, asserted 0.95;
/// - tanh at `a = 0.99`: `2a` against 2: 0.99, asserted 0.95;
/// - relu across its jump: 1 against `1 + O(u)`: asserted 0.99;
/// - `δdA` alone on a linear layer: `δdA·1` against `δdA·1 + 2u·…`: 0.99.
fn activation_backward_tightness_for<T: Real>(worst: &mut Worst) {
    use Activation::*;
    let t = T::of_f64;
    let name = T::NAME;
    let d = 2f64.powi(-12);
    let frac = |g: Activation, (z_m, a_m): (T, T), (z_s, a_s): (T, T), da: (T, T), dev_z: f64| {
        let one = |v: T| DMatrix::from_element(1, 1, v);
        let onef = |v: f64| DMatrix::from_element(1, 1, v);
        let dz = |z: T, a: T, da: T| {
            let mut out = [T::zero()];
            g.backprop(&[da], &[z], &[a], &mut out);
            out[0]
        };
        let bound = activation_backward_bound(
            &one(da.0),
            &onef(distance(da.1, da.0)),
            &one(z_m),
            &onef(dev_z),
            &one(a_m),
            &onef(distance(a_s, a_m)),
            g,
        );
        let agree = Agreement::of(&one(dz(z_s, a_s, da.1)), &one(dz(z_m, a_m, da.0)), &bound);
        assert!(agree.holds(), "{name} {g:?}: {agree:?}");
        agree.worst_ratio
    };
    let ones = (t(1.0), t(1.0));
    let f = frac(
        Sigmoid,
        (t(0.0), t(0.01)),
        (t(0.0), t(0.01) + t(d)),
        ones,
        1.0,
    );
    check(
        worst,
        &format!("dA⊙g' sigmoid's g' slope at a = 0.01, {name}"),
        f,
        0.95,
    );
    let f = frac(Tanh, (t(0.0), t(0.99)), (t(0.0), t(0.99) + t(d)), ones, 1.0);
    check(
        worst,
        &format!("dA⊙g' tanh's g' slope at a = 0.99, {name}"),
        f,
        0.95,
    );
    let f = frac(Relu, (t(d), t(d)), (t(-d), t(0.0)), ones, 2.0 * d);
    check(worst, &format!("dA⊙g' relu's jump, {name}"), f, 0.99);
    let f = frac(
        Linear,
        (t(0.5), t(0.5)),
        (t(0.5), t(0.5)),
        (t(1.0), t(1.0 + d)),
        0.0,
    );
    check(worst, &format!("dA⊙g' δdA alone, {name}"), f, 0.99);
}

/// The mean's `γ_{n+m}` term: `n = 1` output and `m = 256` examples whose
/// losses are a chain rounding down by nearly half an ulp at every addition
/// (`rounding_chain` of `tightness.rs`, scaled by 2¹⁰: cross-entropy from
/// logits at `z ≥ 2¹⁰` with `y = 0` is `z` itself, `e^{-|z|}` underflowing
/// to 0). `Loss::value` adds the rows one after another from zero, so its
/// error is the chain's, known exactly; its share of the bound is
/// `γ_{n+m}·Σℓ/m` (the bound's `2γ_{n+m}·Σ(ℓ̂ + d)/(m·n)` is both paths'):
/// 21590/(257·256) = 0.33, asserted 1/4, as for the dense layer's sums.
fn mean_tightness_for<T: Real>(worst: &mut Worst) {
    let m = 256;
    let (chain, _) = super::tightness::rounding_chain::<T>(m);
    let scale = T::of_f64(1024.0);
    let z = DMatrix::from_fn(m, 1, |i, _| chain[i] * scale);
    let y = DMatrix::zeros(m, 1);
    let loss = Loss::BINARY_CROSSENTROPY.with_logits();
    let g = Activation::Linear;
    for k in 0..m {
        assert_eq!(
            loss.element(g, z[k], z[k], T::zero()),
            z[k],
            "ℓ = z at {}",
            z[k]
        );
    }
    let j = loss.value(g, &z, &z, &y).as_f64();
    let exact = super::exact::dot2(z.iter().map(|v| (v.as_f64(), 1.0 / m as f64)));
    let size: f64 = z.iter().map(|v| v.as_f64()).sum();
    let share = gamma_of::<T>(1 + m) * size / m as f64;
    let f = super::exact::within_share(&format!("{} mean of a chain", T::NAME), j, exact, share);
    // The bound itself, with no deviation, is two such shares and more.
    let zero = DMatrix::zeros(m, 1);
    let b = loss_bound(loss, g, &z, &zero, &z, &zero, &y);
    assert!(
        b >= 2.0 * share,
        "{} loss bound {b:e} below two shares {share:e}",
        T::NAME
    );
    check(
        worst,
        &format!("J mean of a rounding chain, {}", T::NAME),
        f,
        0.25,
    );
}

#[test]
fn crafted_deviations_reach_a_stated_fraction_of_the_element_wise_bounds() {
    let mut worst = Worst::default();
    output_and_loss_tightness_for::<f64>(&mut worst);
    output_and_loss_tightness_for::<f32>(&mut worst);
    activation_backward_tightness_for::<f64>(&mut worst);
    activation_backward_tightness_for::<f32>(&mut worst);
    mean_tightness_for::<f64>(&mut worst);
    mean_tightness_for::<f32>(&mut worst);
}
