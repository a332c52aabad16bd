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

/// A loss from logits whose `σ(z)` is subnormal (`z = -100` in `f32`, `-740`
/// in `f64`), with `y = σ(z)` and `δZ = 0`: the residual is 0 and `σ`'s own
/// rounding (`12u·σ(z)`) is far below the smallest number, so the bound is
/// its underflow floors alone (the `8η` of `σ`'s deviation, then `2η`),
/// which every other case hides under larger terms.
fn logits_floor_definitions_for<T: Real>() {
    let loss = Loss::BINARY_CROSSENTROPY.with_logits();
    let g = Activation::Linear;
    let deep = if T::NAME == "f32" { -100.0 } else { -740.0 };
    let z = DMatrix::from_row_slice(1, 2, &[deep, deep]).map(T::of_f64);
    let y = z.map(sigmoid);
    assert!(
        y[0] > T::zero() && y[0].as_f64() < 1e4 * eta::<T>(),
        "σ({deep}) = {:e} is subnormal",
        y[0].as_f64()
    );
    let zero = DMatrix::zeros(1, 2);
    let got = output_dz_bound(loss, g, &z, &zero, &z, &zero, &y);
    let want = output_dz_definition(loss, g, &z, &zero, &z, &zero, &y);
    for (k, (&gb, &w)) in got.iter().zip(want.iter()).enumerate() {
        assert!(w > 2.0 * eta::<T>(), "the floor of element {k} is {w:e}");
        assert_same(&format!("{} logits floor #{k}", T::NAME), gb, w, 8);
    }
}

#[test]
fn output_dz_and_loss_bounds_are_their_definitions() {
    loss_definitions_for::<f64>();
    loss_definitions_for::<f32>();
    clip_edge_definitions_for::<f64>();
    clip_edge_definitions_for::<f32>();
    logits_floor_definitions_for::<f64>();
    logits_floor_definitions_for::<f32>();
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

mod soundness;
mod tightness;
