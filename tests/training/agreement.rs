//! Training on the loop path and on the matrix path from the same start
//! ends with weights that differ by no more than the per-step rounding bound
//! (`dualpath::proof::bounds`), carried through the training; and training
//! in `f32` follows training in `f64` within the same bound, scaled.

use crate::helpers::{
    U, gradient_list, in_order, max_param_diff, notes_network, params, separable_data, with_params,
};
use dualpath::proof::bounds::network_bound;
use dualpath::train::optim::{AdamSettings, Sgd};
use dualpath::train::{FitSettings, History, Optimizer, evaluate, fit};
use dualpath::{Loss, Network, Path};
use nalgebra::DMatrix;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

// ---------------------------------------------------------------------------
// The two paths train to the same weights
// ---------------------------------------------------------------------------

/// The matrix path's training replayed step by step (rows in order), with
/// the optimizer written out here, and the *drift*: the sum over the steps of
/// the most that one step rounded differently (the loop path's, say) could
/// move any parameter away from the matrix path's, had the two started that
/// step with equal parameters (and, for Adam, moments apart only by what the
/// earlier steps' gradient bounds put between them).
///
/// At each step both paths compute the same gradients up to the per-step
/// rounding bound `β` of [`network_bound`] (the equivalence tests check the
/// gradients against it). From the same parameters `w`:
///
/// - **SGD** computes `w - α·g` with one rounding for `α·g` and one for the
///   subtraction, so one step puts the paths at most
///   `α·β + 2u·(|w| + 2α·|g|)` apart (terms of order `u·β`, some 10⁻¹⁶
///   times smaller, dropped).
/// - **Adam** carries the gradients in its moments. The paths' first moments
///   `m = Σᵢ cᵢgᵢ` (weights `cᵢ = (1 - β₁)β₁^(t-i)`) differ by at most
///   `Σ cᵢβᵢ`, tracked here by the same recursion as `m`; their `√v`, a
///   weighted 2-norm of the gradients, by at most `√(Σ dᵢβᵢ²)` (Minkowski's
///   inequality, `dᵢ = (1 - β₂)β₂^(t-i)`). Their own roundings add at most
///   `4u·t·Σcᵢ|gᵢ|` to each path's `m` (three roundings a step, each below
///   `1.1·u` of `Σcᵢ|gᵢ|`) and `(2.01·t + 1)·u·√v` to each path's `√v` (four
///   roundings a step on a sum of positive terms, then the square root). With
///   `b = √v + ε` and `b' = b - δ√v` the least the other path's can be,
///   `|m/b - m'/b'| ≤ δm/b' + |m|·δ√v/(b·b')`; the step `α_t·m/b` adds four
///   roundings in each path, `w - step` one.
fn replay_with_drift(
    start: &Network<f64>,
    x: &DMatrix<f64>,
    y: &DMatrix<f64>,
    settings: &FitSettings,
) -> (Network<f64>, f64) {
    assert!(!settings.shuffle && settings.path == Path::Matrix);
    let (m_rows, bs, loss) = (x.nrows(), settings.batch_size, settings.loss);
    let mut p = params(start);
    let n = p.len();
    // Adam's moments, and their bounds: Σcᵢβᵢ, Σdᵢβᵢ², Σcᵢ|gᵢ|.
    let (mut m, mut v) = (vec![0.0; n], vec![0.0; n]);
    let (mut m_bound, mut v_bound, mut m_size) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut t = 0;
    let mut drift = 0.0;
    for _epoch in 0..settings.epochs {
        for first in (0..m_rows).step_by(bs) {
            let rows = bs.min(m_rows - first);
            let xb = x.rows(first, rows).into_owned();
            let yb = y.rows(first, rows).into_owned();
            let net = with_params(start, &p);
            let bound = network_bound(&net, &xb, &yb, loss).unwrap();
            let beta: Vec<f64> = bound
                .layers
                .iter()
                .flat_map(|l| l.dw.iter().chain(l.db.iter()).copied())
                .collect();
            let (_, grads) = Path::Matrix
                .loss_and_gradients(&net, &xb, &yb, loss)
                .unwrap();
            let g = gradient_list(&grads);
            t += 1;
            let mut worst = 0.0_f64;
            match settings.optimizer {
                Optimizer::Sgd(Sgd { learning_rate: lr }) => {
                    for k in 0..n {
                        let e = lr * beta[k] + 2.0 * U * (p[k].abs() + 2.0 * lr * g[k].abs());
                        worst = worst.max(e);
                        p[k] -= lr * g[k];
                    }
                }
                Optimizer::Adam(AdamSettings {
                    learning_rate: lr,
                    beta_1,
                    beta_2,
                    epsilon,
                }) => {
                    let tf = t as f64;
                    let alpha = lr * (1.0 - beta_2.powi(t)).sqrt() / (1.0 - beta_1.powi(t));
                    for k in 0..n {
                        m[k] += (g[k] - m[k]) * (1.0 - beta_1);
                        v[k] += (g[k] * g[k] - v[k]) * (1.0 - beta_2);
                        m_bound[k] += (beta[k] - m_bound[k]) * (1.0 - beta_1);
                        v_bound[k] += (beta[k] * beta[k] - v_bound[k]) * (1.0 - beta_2);
                        m_size[k] += (g[k].abs() - m_size[k]) * (1.0 - beta_1);
                        let root_v = v[k].sqrt();
                        let dm = m_bound[k] + 8.0 * U * tf * m_size[k];
                        let droot_v = v_bound[k].sqrt() + 2.0 * (2.01 * tf + 1.0) * U * root_v;
                        let b = root_v + epsilon;
                        let b_other = b - droot_v;
                        let step = alpha * m[k] / b;
                        let e = if b_other > 0.0 {
                            alpha * (dm / b_other + m[k].abs() * droot_v / (b * b_other))
                                + 8.0 * U * step.abs()
                                + 2.0 * U * (p[k] - step).abs()
                        } else {
                            f64::INFINITY // the bound says nothing: the test will say so
                        };
                        worst = worst.max(e);
                        p[k] -= step;
                    }
                }
            }
            drift += worst;
        }
    }
    (with_params(start, &p), drift)
}

/// How far a training run's result may move when every step is rounded
/// differently, and what that was computed from.
struct CarriedBound {
    /// `max(A, 1)·Σ_k e_k`.
    tolerance: f64,
    /// `A`: the largest final difference after a start moved by `±u`, over `u`.
    amplification: f64,
    /// `Σ_k e_k` of [`replay_with_drift`].
    drift: f64,
    /// `fit`'s own matrix run from the start.
    trained: Network<f64>,
    history: History,
    /// How far the replay ended from `trained`.
    replay_gap: f64,
}

/// The bound on how far two trainings of `start` that differ only in their
/// rounding can end apart (`settings` on the matrix path, rows in order).
///
/// If each step `k` of one lands within `e_k` of where the other's step lands
/// from the same parameters (the *drift* of [`replay_with_drift`]), the final
/// difference is at most `Σ_k A_k·e_k`, where `A_k` is how much the rest of
/// the training amplifies a small difference in the parameters (to first
/// order: these differences are around 10⁻¹⁶). `A_k` is measured, not
/// assumed: train the matrix path again from the start with every parameter
/// moved by exactly `±u`, and divide the largest final difference by `u`.
/// Taking the largest over three sign patterns (all `+`, alternating, seeded
/// random) for `A`, and assuming the later, shorter remainders of the
/// training amplify no more than `max(A, 1)`, the bound is `max(A, 1)·Σ_k e_k`.
fn carried_bound(
    start: &Network<f64>,
    x: &DMatrix<f64>,
    y: &DMatrix<f64>,
    settings: &FitSettings,
) -> CarriedBound {
    let train = |from: &Network<f64>| {
        let mut net = from.clone();
        let history = fit(&mut net, x, y, settings).unwrap();
        (net, history)
    };
    let (trained, history) = train(start);
    let (replayed, drift) = replay_with_drift(start, x, y, settings);

    // Every parameter of the start must be below 1 in size (Glorot limits of
    // the notes' network are at most √(6/16) = 0.61; biases 0), where f64's
    // spacing is at most 2⁻⁵³ = u: then p ± u is exact (checked).
    let p0 = params(start);
    let mut rng = Pcg64::seed_from_u64(11);
    let patterns: [Vec<f64>; 3] = [
        vec![1.0; p0.len()],
        (0..p0.len())
            .map(|k| if k % 2 == 0 { 1.0 } else { -1.0 })
            .collect(),
        (0..p0.len())
            .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
            .collect(),
    ];
    let mut amplification = 0.0_f64;
    for signs in &patterns {
        let nudged: Vec<f64> = p0.iter().zip(signs).map(|(p, s)| p + s * U).collect();
        for ((q, p), s) in nudged.iter().zip(&p0).zip(signs) {
            assert_eq!(q - p, s * U, "nudging {p:e} by {:e} was not exact", s * U);
        }
        let (net, _) = train(&with_params(start, &nudged));
        amplification = amplification.max(max_param_diff(&net, &trained) / U);
    }
    let tolerance = amplification.max(1.0) * drift;
    assert!(
        tolerance.is_finite(),
        "drift {drift:e}, amplification {amplification}"
    );
    let replay_gap = max_param_diff(&replayed, &trained);
    CarriedBound {
        tolerance,
        amplification,
        drift,
        trained,
        history,
        replay_gap,
    }
}

/// The notes' network trained for 10 epochs (64 rows in 2 batches, so 20
/// steps) on each path from the same start ends with parameters that differ
/// by no more than the rounding of each step carried through the training
/// ([`carried_bound`]), and with the same loss to within what that allows.
fn check_paths_agree_after_training(optimizer: Optimizer) {
    let (x, y) = separable_data(64, 3);
    let start = notes_network(1);
    let settings = in_order(Loss::BINARY_CROSSENTROPY, optimizer, 10, 32, Path::Matrix);
    let bound = carried_bound(&start, &x, &y, &settings);
    let mat_net = &bound.trained;
    let mut seq_net = start.clone();
    let seq_settings = FitSettings {
        path: Path::Sequential,
        ..settings
    };
    let seq_history = fit(&mut seq_net, &x, &y, &seq_settings).unwrap();

    let observed = max_param_diff(&seq_net, mat_net);
    let report = format!(
        "{}: |seq - mat| = {observed:e}, allowed max(A, 1)·Σe = {:.2}·{:e} = {:e}; the replay is {:e} \
         from fit's matrix run; last epoch's loss {:?} (loop) vs {:?} (matrix)",
        optimizer.name(),
        bound.amplification.max(1.0),
        bound.drift,
        bound.tolerance,
        bound.replay_gap,
        seq_history.loss.last(),
        bound.history.loss.last()
    );
    // The drift was measured along fit's own trajectory: the replay is fit's
    // matrix run (bit for bit for SGD, whose update this file writes as
    // `optim::Sgd::step` does; within rounding for Adam, whose `βᵗ` this file
    // takes with `powi`, the crate with `powf`).
    assert!(bound.replay_gap <= bound.tolerance, "{report}");
    assert!(observed <= bound.tolerance, "{report}");

    // The final losses, each path's on its own weights, differ by at most
    // ‖∇J‖₁·|Δp| (doubled to cover the second-order term, some 10⁻¹⁶ times
    // smaller still) plus the rounding of each evaluation and the paths'
    // difference, each within the loss bound of `network_bound`.
    let loss = Loss::BINARY_CROSSENTROPY;
    let j_seq = evaluate(&seq_net, &x, &y, loss, Path::Sequential)
        .unwrap()
        .0;
    let j_mat = evaluate(mat_net, &x, &y, loss, Path::Matrix).unwrap().0;
    let (_, grads) = Path::Matrix
        .loss_and_gradients(mat_net, &x, &y, loss)
        .unwrap();
    let slope: f64 = gradient_list(&grads).iter().map(|g| g.abs()).sum();
    let loss_rounding = network_bound(mat_net, &x, &y, loss).unwrap().loss;
    let allowed = 2.0 * slope * observed + 3.0 * loss_rounding;
    assert!(
        (j_seq - j_mat).abs() <= allowed,
        "{report}; final loss {j_seq} (loop) vs {j_mat} (matrix): {:e} apart, allowed {allowed:e}",
        (j_seq - j_mat).abs()
    );
}

#[test]
fn both_paths_train_to_the_same_weights_with_sgd() {
    check_paths_agree_after_training(Optimizer::sgd(0.5));
}

#[test]
fn both_paths_train_to_the_same_weights_with_adam() {
    check_paths_agree_after_training(Optimizer::adam(0.01));
}

/// Training in `f32` (Keras' default type) follows training in `f64`.
///
/// From the same start on the same data (the `f64` network and data rounded
/// to `f32`, then widened back, exactly, for the `f64` run), the two runs
/// differ only in their rounding. [`carried_bound`] bounds that difference:
/// every rounding term in it is proportional to the unit roundoff, and the
/// amplification `A` does not depend on it (to first order), so the `f64`
/// bound times `2⁻²⁴/2⁻⁵³ = 2²⁹` bounds `f32`'s distance from exact
/// arithmetic, and the `f64` run is within the unscaled bound of it.
/// Plain gradient descent with `α = 0.5` keeps every constant exact in `f32`;
/// Adam's constants are not (`1 - β₂` in `f32` is 1.3·10⁻⁵ off, relative, as in
/// Keras' float32 Adam), so Adam in `f32` is only asked to learn.
#[test]
fn f32_training_follows_f64_training() {
    let (x, y) = separable_data(64, 3);
    let start32: Network<f32> = notes_network(1).cast();
    let (x32, y32) = (x.map(|v| v as f32), y.map(|v| v as f32));
    let start64: Network<f64> = start32.cast();
    let x64 = x32.map(f64::from);
    let settings = in_order(
        Loss::BINARY_CROSSENTROPY,
        Optimizer::sgd(0.5),
        10,
        32,
        Path::Matrix,
    );
    let bound = carried_bound(&start64, &x64, &y, &settings);
    let tolerance = bound.tolerance * (1.0 + 2f64.powi(29));
    let mut net32 = start32.clone();
    let history32 = fit(&mut net32, &x32, &y32, &settings).unwrap();
    let widened: Network<f64> = net32.cast();
    let observed = max_param_diff(&widened, &bound.trained);
    let report = format!(
        "f32 and f64 parameters {observed:e} apart, allowed {tolerance:e}; losses {:?} (f32) vs {:?} (f64)",
        history32.loss, bound.history.loss
    );
    assert!(observed <= tolerance, "{report}");

    let adam = FitSettings {
        optimizer: Optimizer::adam(0.01),
        ..settings
    };
    let mut net32 = start32.clone();
    let history32 = fit(&mut net32, &x32, &y32, &adam).unwrap();
    assert!(
        history32.loss.iter().all(|l| l.is_finite()) && history32.loss[9] < history32.loss[0],
        "Adam in f32: {history32:?}"
    );
}
