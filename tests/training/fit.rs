//! Training (`dualpath::train`): `fit` checked against arithmetic done by
//! hand, against itself, and across the two paths.
//!
//! - **The optimizers.** A few steps of gradient descent and of Adam on a
//!   one-unit network, recomputed here in plain `f64` from the formulas (the
//!   course's logistic-regression gradient, Keras' Adam), never from the crate.
//! - **The history.** Each epoch's loss is the batch-size-weighted mean of the
//!   losses its batches had *before* their updates, as Keras reports it.
//! - **The paths.** Training on the loop path and on the matrix path from the
//!   same start ends with weights that differ by no more than the per-step
//!   rounding bound (`dualpath::proof::bounds`), carried through the training.
//! - Reproducibility, row order, errors, `f32`, and that the loss goes down.

use crate::common::{Diff, mat};
use dualpath::Activation::{Linear, Sigmoid};
use dualpath::proof::bounds::network_bound;
use dualpath::train::optim::Sgd;
use dualpath::train::{
    FitSettings, History, Optimizer, Progress, evaluate, fit, fit_with_progress,
};
use dualpath::{Dense, Error, Gradients, Loss, Network, Path};
use nalgebra::{DMatrix, DVector, dmatrix, dvector};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

/// Unit roundoff of `f64`, `u = 2⁻⁵³`.
const U: f64 = f64::EPSILON / 2.0;

/// Keras' Adam constants, written out here rather than read from the crate.
const BETA_1: f64 = 0.9;
const BETA_2: f64 = 0.999;
const EPSILON: f64 = 1e-7;

/// Settings for a run whose batches the test can follow: rows in order.
fn in_order(
    loss: Loss,
    optimizer: Optimizer,
    epochs: usize,
    batch_size: usize,
    path: Path,
) -> FitSettings {
    FitSettings {
        loss,
        optimizer,
        epochs,
        batch_size,
        shuffle: false,
        seed: 0,
        path,
    }
}

/// Every parameter of a network in one list: per layer, `W` in nalgebra's
/// storage order (column by column), then `b`.
fn params(net: &Network<f64>) -> Vec<f64> {
    net.layers()
        .iter()
        .flat_map(|d| d.w().iter().chain(d.b().iter()).copied())
        .collect()
}

/// Gradients listed in the order of [`params`].
fn gradient_list(g: &Gradients<f64>) -> Vec<f64> {
    g.layers
        .iter()
        .flat_map(|l| l.dw.iter().chain(l.db.iter()).copied())
        .collect()
}

/// A network shaped like `like` holding the parameters `p` (in the order of [`params`]).
fn with_params(like: &Network<f64>, p: &[f64]) -> Network<f64> {
    let mut k = 0;
    let mut take = |n: usize| {
        k += n;
        &p[k - n..k]
    };
    let layers = like
        .layers()
        .iter()
        .map(|d| {
            let w = DMatrix::from_column_slice(d.n_in(), d.units(), take(d.n_in() * d.units()));
            let b = DVector::from_column_slice(take(d.units()));
            Dense::new(w, b, d.activation()).expect("finite parameters")
        })
        .collect();
    assert_eq!(k, p.len(), "with_params: parameter count");
    Network::from_layers(layers).expect("the same shapes chain")
}

/// Compares two networks' parameters bit for bit, remembering the largest difference.
fn compare(left: &Network<f64>, right: &Network<f64>) -> Diff {
    let mut diff = Diff::new();
    for (l, (a, b)) in left.layers().iter().zip(right.layers()).enumerate() {
        diff.matrices(&format!("layer {} W", l + 1), a.w(), b.w());
        diff.vectors(&format!("layer {} b", l + 1), a.b(), b.b());
    }
    diff
}

/// Largest `|p - q|` over the parameters of two networks of one shape.
fn max_param_diff(left: &Network<f64>, right: &Network<f64>) -> f64 {
    params(left)
        .iter()
        .zip(params(right))
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

/// `m` points drawn uniformly from the square `[-2, 2]²` by a seeded PCG64,
/// labelled 1 above the line `x₂ = x₁/2` and 0 below it, keeping only points
/// at least 0.2 (vertically) from the line: linearly separable with a margin.
fn separable_data(m: usize, seed: u64) -> (DMatrix<f64>, DMatrix<f64>) {
    let mut rng = Pcg64::seed_from_u64(seed);
    let (mut x, mut y) = (DMatrix::zeros(m, 2), DMatrix::zeros(m, 1));
    let mut i = 0;
    while i < m {
        let x1 = 4.0 * rng.random::<f64>() - 2.0;
        let x2 = 4.0 * rng.random::<f64>() - 2.0;
        let above = x2 - 0.5 * x1;
        if above.abs() < 0.2 {
            continue;
        }
        x[(i, 0)] = x1;
        x[(i, 1)] = x2;
        y[(i, 0)] = if above > 0.0 { 1.0 } else { 0.0 };
        i += 1;
    }
    (x, y)
}

/// The notes' network, `Sequential([Dense(25, sigmoid), Dense(15, sigmoid),
/// Dense(1, sigmoid)])` on two features, Glorot-initialised from `seed`.
fn notes_network(seed: u64) -> Network<f64> {
    Network::new(2, &[(25, Sigmoid), (15, Sigmoid), (1, Sigmoid)], seed).unwrap()
}

// ---------------------------------------------------------------------------
// A few optimizer steps, by hand
// ---------------------------------------------------------------------------

/// The hand-checked network: two inputs, one sigmoid unit, `w = (0.5, -0.25)`, `b = 0.1`.
const W0: [f64; 2] = [0.5, -0.25];
const B0: f64 = 0.1;
/// Its two examples (one per row) and their labels.
const X: [[f64; 2]; 2] = [[1.0, 2.0], [-1.0, 0.5]];
const Y: [f64; 2] = [1.0, 0.0];

/// How far the crate's results may be from this file's recomputation of them.
///
/// Both compute the same real numbers by different but equivalent formulas:
/// the crate takes `σ(z) = e^z/(1 + e^z)` for `z < 0` where this file writes
/// `1/(1 + e^{-z})`, computes the loss from `z` (`max(z, 0) - z·y +
/// ln(1 + e^{-|z|})`) where this file takes logarithms of `a`, and adds in
/// its own order. Each result is within a few units of roundoff `u = 2⁻⁵³`
/// of the exact value, relative to the sizes involved (every input, weight,
/// gradient and loss here is at most 2): say 8u per gradient component and
/// per loss, and 2u for each rounding of `w - α·g`. A step passes an earlier
/// disagreement on multiplied by at most `1 + α·‖H‖∞`, where the Hessian of
/// the mean loss, `(1/m)·Σ a(1 - a)·x̃x̃ᵀ` with `x̃ = (x, 1)`, has row sums at
/// most `¼·max|x̃ⱼ|·‖x̃‖₁ ≤ ¼·2·4 = 2`; with `α ≤ 0.5` that is a factor 2.
/// Three steps: `(8u·α + 2u·2)·(1 + 2 + 4) ≤ 56u`, and the loss of the third
/// step, `8u + ‖∇J‖₁·56u ≤ 8u + 1·56u = 64u`. So 64u, absolute, on values
/// of size about 1. (Adam's step is less sensitive still: it is scale-free
/// in `g`, so a relative error in the gradient moves it by much less than `α` times
/// that error.)
const HAND_TOLERANCE: f64 = 64.0 * U;

fn one_unit_network(w: [f64; 2], b: f64) -> Network<f64> {
    let unit = Dense::new(dmatrix![w[0]; w[1]], dvector![b], Sigmoid).unwrap();
    Network::from_layers(vec![unit]).unwrap()
}

fn one_unit_data(x: [[f64; 2]; 2], y: [f64; 2]) -> (DMatrix<f64>, DMatrix<f64>) {
    (
        mat(2, 2, &[x[0][0], x[0][1], x[1][0], x[1][1]]),
        mat(2, 1, &y),
    )
}

/// The unit's parameters `[w₁, w₂, b]`.
fn one_unit_params(net: &Network<f64>) -> [f64; 3] {
    let d = &net.layers()[0];
    [d.w()[(0, 0)], d.w()[(1, 0)], d.b()[0]]
}

/// The mean binary cross-entropy of one sigmoid unit with parameters
/// `p = [w₁, w₂, b]` over examples `x` with labels `y`, and its gradient
/// `[∂J/∂w₁, ∂J/∂w₂, ∂J/∂b]`, the way the course writes logistic regression:
/// `z = w·x + b`, `a = σ(z)`, `dz = (a - y)/m`, `dW = Xᵀ·dz`, `db = Σ dz`.
///
/// At the start, `p = [0.5, -0.25, 0.1]`, on this file's two examples:
///
/// | example | `z` | `a = σ(z)` | `dz = (a - y)/2` |
/// | --- | --- | --- | --- |
/// | `x = (1, 2)`, `y = 1` | `0.5 - 0.5 + 0.1 = 0.1` | 0.524979 | -0.237510 |
/// | `x = (-1, 0.5)`, `y = 0` | `-0.5 - 0.125 + 0.1 = -0.525` | 0.371684 | 0.185842 |
///
/// `dw₁ = 1·(-0.237510) + (-1)·0.185842 = -0.423352`,
/// `dw₂ = 2·(-0.237510) + 0.5·0.185842 = -0.382100`,
/// `db = -0.237510 + 0.185842 = -0.051669`, and
/// `J = (-ln 0.524979 - ln(1 - 0.371684))/2 = (0.644397 + 0.464711)/2 = 0.554554`.
fn hand_loss_and_gradient(p: [f64; 3], x: [[f64; 2]; 2], y: [f64; 2]) -> (f64, [f64; 3]) {
    let m = x.len() as f64;
    let (mut j, mut g) = (0.0, [0.0; 3]);
    for (x, &y) in x.iter().zip(&y) {
        let z = p[0] * x[0] + p[1] * x[1] + p[2];
        let a = 1.0 / (1.0 + (-z).exp());
        j += -(y * a.ln() + (1.0 - y) * (1.0 - a).ln()) / m;
        let dz = (a - y) / m;
        g[0] += x[0] * dz;
        g[1] += x[1] * dz;
        g[2] += dz;
    }
    (j, g)
}

/// Asserts that each value is within [`HAND_TOLERANCE`] of the hand-computed one.
fn assert_near_hand(what: &str, got: &[f64], want: &[f64]) {
    let worst = got
        .iter()
        .zip(want)
        .map(|(g, w)| (g - w).abs())
        .fold(0.0, f64::max);
    assert!(
        worst <= HAND_TOLERANCE,
        "{what}: got {got:?}, by hand {want:?}; largest difference {worst:e} > {HAND_TOLERANCE:e}"
    );
}

#[test]
fn sgd_steps_match_the_course_gradient_computed_by_hand() {
    let lr = 0.5;
    // By hand, three steps of p ← p - α·∇J(p), each on both examples (one batch).
    // The first, from the gradient in `hand_loss_and_gradient`'s table:
    //   w₁ = 0.5 - 0.5·(-0.423352) = 0.711676
    //   w₂ = -0.25 - 0.5·(-0.382100) = -0.058950
    //   b = 0.1 - 0.5·(-0.051669) = 0.125834
    // and after the third, p = (1.023871, 0.143023, 0.100096), with losses
    // 0.554554, 0.414404, 0.337342 before each step.
    let mut p = [W0[0], W0[1], B0];
    let mut losses = Vec::new();
    for _ in 0..3 {
        let (j, g) = hand_loss_and_gradient(p, X, Y);
        losses.push(j);
        for (p, g) in p.iter_mut().zip(g) {
            *p -= lr * g;
        }
    }
    fit_matches_hand(Optimizer::sgd(lr), "SGD", &p, &losses);
}

#[test]
fn adam_steps_match_keras_formulas_computed_by_hand() {
    let lr = 0.1;
    // Keras 3's Adam.update_step, at step t = 1, 2, 3:
    //   m ← m + (g - m)(1 - β₁),  v ← v + (g² - v)(1 - β₂),
    //   α_t = α·√(1 - β₂ᵗ)/(1 - β₁ᵗ),  w ← w - α_t·m/(√v + ε).
    // The first step, with g from `hand_loss_and_gradient`'s table:
    //   m = 0.1·g, v = 0.001·g², α₁ = 0.1·√0.001/0.1 = 0.0316228, so
    //   Δw = α₁·0.1·g/(0.0316228·|g| + 10⁻⁷) = 0.1·g/(|g| + 3.16·10⁻⁶):
    //   w₁ = 0.5 + 0.1·0.423352/0.423355 = 0.599999,
    //   w₂ = -0.25 + 0.1·0.382100/0.382103 = -0.150001,
    //   b = 0.1 + 0.1·0.051669/0.051672 = 0.199994.
    let mut p = [W0[0], W0[1], B0];
    let (mut m, mut v) = ([0.0; 3], [0.0; 3]);
    let mut losses = Vec::new();
    for t in 1..=3 {
        let (j, g) = hand_loss_and_gradient(p, X, Y);
        losses.push(j);
        let alpha = lr * (1.0 - BETA_2.powi(t)).sqrt() / (1.0 - BETA_1.powi(t));
        for k in 0..3 {
            m[k] += (g[k] - m[k]) * (1.0 - BETA_1);
            v[k] += (g[k] * g[k] - v[k]) * (1.0 - BETA_2);
            p[k] -= alpha * m[k] / (v[k].sqrt() + EPSILON);
        }
        if t == 1 {
            // The numbers above are rounded to 6 decimals: within 5·10⁻⁷.
            let above = [0.599999, -0.150001, 0.199994];
            for (got, want) in p.iter().zip(above) {
                assert!(
                    (got - want).abs() <= 5e-7,
                    "first Adam step {p:?}, above {above:?}"
                );
            }
        }
    }
    fit_matches_hand(Optimizer::adam(lr), "Adam", &p, &losses);
}

/// Checks Adam's first step on `start` (one batch of all of `(x, y)`, on
/// each path) against `Δw = -α·g/(|g| + ε')`, and returns the largest
/// `1 - |Δw|/α` over the parameters whose gradient is at least `big` in size.
fn check_first_adam_step(
    start: &Network<f64>,
    x: &DMatrix<f64>,
    y: &DMatrix<f64>,
    lr: f64,
    big: f64,
) -> f64 {
    // ε' = ε/√(1 - β₂) = 10⁻⁷/0.0316228 = 3.16·10⁻⁶.
    let eps_prime = EPSILON / (1.0 - BETA_2).sqrt();
    let mut worst_big = 0.0_f64;
    for path in Path::BOTH {
        let (_, grads) = path
            .loss_and_gradients(start, x, y, Loss::BinaryCrossEntropy)
            .unwrap();
        let mut net = start.clone();
        let settings = in_order(
            Loss::BinaryCrossEntropy,
            Optimizer::adam(lr),
            1,
            x.nrows(),
            path,
        );
        fit(&mut net, x, y, &settings).unwrap();
        let before = params(start);
        for (k, ((p1, p0), g)) in params(&net)
            .into_iter()
            .zip(before)
            .zip(gradient_list(&grads))
            .enumerate()
        {
            let step = p1 - p0;
            let predicted = -lr * g / (g.abs() + eps_prime);
            // Rounding: w - Δw and the subtraction p1 - p0 each within u of
            // their result (2u·|p1| covers both); the crate's step (m, v, α₁,
            // √, +ε, ×, ÷) and this file's formula each within 8u of |Δw|.
            let tolerance = 2.0 * U * p1.abs() + 16.0 * U * step.abs();
            assert!(
                (step - predicted).abs() <= tolerance,
                "{path}: parameter {k} with gradient {g:e} moved by {step:e}, expected {predicted:e} (±{tolerance:e})"
            );
            assert!(
                step * g < 0.0,
                "{path}: parameter {k} moved by {step:e} along its gradient {g:e}"
            );
            // So |Δw| = α·|g|/(|g| + ε'): short of α by a fraction δ in [0, ε'/|g|].
            let shortfall = 1.0 - step.abs() / lr;
            let slack = tolerance / lr;
            assert!(
                -slack <= shortfall && shortfall <= eps_prime / g.abs() + slack,
                "{path}: parameter {k}: 1 - |Δw|/α = {shortfall:e}, gradient {g:e}"
            );
            if g.abs() >= big {
                worst_big = worst_big.max(shortfall);
            }
        }
    }
    worst_big
}

/// Adam's first step moves every parameter by almost exactly `α`, against
/// the sign of its gradient, whatever the gradient's size.
///
/// At `t = 1`: `m = (1 - β₁)·g`, `v = (1 - β₂)·g²` and
/// `α₁ = α·√(1 - β₂)/(1 - β₁)`, so
/// `Δw = -α₁·m/(√v + ε) = -α·g/(|g| + ε')` with `ε' = ε/√(1 - β₂)`.
/// The bias corrections undo the moments' start at zero (`m̂/√v̂ = g/|g|`),
/// and `ε` only matters for gradients not much larger than `ε' ≈ 3.2·10⁻⁶`.
#[test]
fn first_adam_step_moves_each_parameter_by_the_learning_rate() {
    let lr = 0.01;
    // A unit with w = (-0.5, -0.3), b = -0.2 on x = (3, 4) and (5, -2), both
    // labelled 1: z = -2.9 and -2.1, a = 0.052 and 0.109, dz = -0.474 and
    // -0.446, so dw₁ = 3·(-0.474) + 5·(-0.446) = -3.65,
    // dw₂ = 4·(-0.474) - 2·(-0.446) = -1.00, db = -0.92. Every |g| > 0.9,
    // so |Δw| = α to within ε'/0.9 = 3.5·10⁻⁶, relative.
    let start = one_unit_network([-0.5, -0.3], -0.2);
    let (x, y) = one_unit_data([[3.0, 4.0], [5.0, -2.0]], [1.0, 1.0]);
    let worst = check_first_adam_step(&start, &x, &y, lr, 0.9);
    let eps_prime = EPSILON / (1.0 - BETA_2).sqrt();
    assert!(
        worst <= eps_prime / 0.9,
        "1 - |Δw|/α = {worst:e} for gradients above 0.9, expected at most ε'/0.9 = {:e}",
        eps_prime / 0.9
    );
    // The notes' network at its Glorot start, whose 481 gradients range
    // widely in size: the same relation holds parameter by parameter.
    let (x, y) = separable_data(32, 1);
    check_first_adam_step(&notes_network(4), &x, &y, lr, f64::INFINITY);
}

// ---------------------------------------------------------------------------
// The history
// ---------------------------------------------------------------------------

/// What `fit` should do with rows in order and plain gradient descent,
/// written out with the crate's single-pass pieces: for each batch of
/// `batch_size` consecutive rows (the last one shorter), its loss and
/// accuracy from [`evaluate`] *before* the step, then a step
/// [`optim::Sgd::step`] with gradients from [`Path::loss_and_gradients`];
/// each epoch's loss the mean of the batch losses weighted by batch size.
///
/// Returns the history and the trained network.
fn fit_by_hand(
    start: &Network<f64>,
    x: &DMatrix<f64>,
    y: &DMatrix<f64>,
    settings: &FitSettings,
) -> (History, Network<f64>) {
    let (loss, path, bs) = (settings.loss, settings.path, settings.batch_size);
    let lr = settings.optimizer.learning_rate();
    assert!(!settings.shuffle && settings.optimizer == Optimizer::sgd(lr));
    let m = x.nrows();
    let mut net = start.clone();
    let mut history = History::default();
    for _epoch in 0..settings.epochs {
        let (mut loss_sum, mut correct) = (0.0, 0usize);
        for first in (0..m).step_by(bs) {
            let rows = bs.min(m - first);
            let xb = x.rows(first, rows).into_owned();
            let yb = y.rows(first, rows).into_owned();
            let (j, accuracy) = evaluate(&net, &xb, &yb, loss, path).unwrap();
            loss_sum += j * rows as f64;
            if let Some(accuracy) = accuracy {
                // Accuracy at threshold 0.5, counted here from the same predictions.
                let a = path.forward(&net, &xb).unwrap().output().clone();
                let right = a
                    .iter()
                    .zip(yb.iter())
                    .filter(|&(&a, &y)| (a > 0.5) == (y == 1.0))
                    .count();
                assert_eq!(
                    accuracy,
                    right as f64 / yb.len() as f64,
                    "evaluate's accuracy"
                );
                correct += right;
            }
            let (_, grads) = path.loss_and_gradients(&net, &xb, &yb, loss).unwrap();
            Sgd { learning_rate: lr }.step(&mut net, &grads);
        }
        history.loss.push(loss_sum / m as f64);
        if loss == Loss::BinaryCrossEntropy {
            history
                .accuracy
                .push(correct as f64 / (m * y.ncols()) as f64);
        }
    }
    (history, net)
}

/// Asserts two histories equal bit for bit.
fn assert_same_history(what: &str, got: &History, want: &History) {
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert!(
        bits(&got.loss) == bits(&want.loss) && bits(&got.accuracy) == bits(&want.accuracy),
        "{what}: fit's history {got:?}, by hand {want:?}"
    );
}

/// Five examples, two features, with labels (1 where `x₁ > 0`) for binary
/// cross-entropy or real targets for mean squared error.
fn five_examples(labels: bool) -> (DMatrix<f64>, DMatrix<f64>) {
    let x = mat(
        5,
        2,
        &[0.3, -1.2, 1.5, 0.4, -0.7, 0.9, 0.1, 0.2, -1.1, -0.5],
    );
    let y = if labels {
        mat(5, 1, &[1.0, 1.0, 0.0, 1.0, 0.0])
    } else {
        mat(5, 1, &[0.7, -0.4, 1.3, 0.2, -0.9])
    };
    (x, y)
}

/// `fit`'s history with `m = 5` rows in batches of 2, 2 and 1 is the one
/// worked out batch by batch, to the bit.
///
/// Bit for bit is the right test here, not a tolerance: `fit_by_hand` gives
/// each pass the same numbers in the same shapes as `fit` (a batch of the
/// same rows, the same network), so every floating-point operation is the
/// same one in the same order, and the loss is summed in the same order
/// (`Σ j·rows`, then `/ m`). Any difference would mean `fit` computes
/// something else: a loss after the update, an unweighted mean, a lost row.
#[test]
fn history_loss_is_the_batch_weighted_mean_of_losses_before_each_update() {
    for path in Path::BOTH {
        // Binary cross-entropy, with accuracy.
        let (x, y) = five_examples(true);
        let start = Network::new(2, &[(3, Sigmoid), (1, Sigmoid)], 3).unwrap();
        let settings = in_order(Loss::BinaryCrossEntropy, Optimizer::sgd(1.0), 6, 2, path);
        let mut net = start.clone();
        let mut epochs_seen = Vec::new();
        let mut batches_seen = Vec::new();
        let history = fit_with_progress(&mut net, &x, &y, &settings, |p| match p {
            Progress::Batch { done, of, .. } => batches_seen.push((done, of)),
            Progress::Epoch {
                epoch,
                loss,
                accuracy,
                ..
            } => epochs_seen.push((epoch, loss, accuracy)),
        })
        .unwrap();
        let (want, net_by_hand) = fit_by_hand(&start, &x, &y, &settings);
        assert_same_history(&format!("{path}, bce"), &history, &want);
        let diff = compare(&net, &net_by_hand);
        assert!(diff.bit_identical(), "{path}, bce: trained network: {diff}");
        // The accuracy moves as the network learns (so it is not a constant that
        // any formula would reproduce).
        assert!(
            want.accuracy.iter().any(|&a| a != want.accuracy[0]),
            "accuracy {:?}",
            want.accuracy
        );
        // Progress reports 3 batches per epoch and each epoch's figures as in the history.
        assert_eq!(batches_seen, [(1, 3), (2, 3), (3, 3)].repeat(6));
        for (k, &(epoch, loss, accuracy)) in epochs_seen.iter().enumerate() {
            assert_eq!(
                (epoch, loss, accuracy),
                (k + 1, history.loss[k], Some(history.accuracy[k]))
            );
        }

        // Mean squared error on a linear output: no accuracy.
        let (x, y) = five_examples(false);
        let start = Network::new(2, &[(3, Sigmoid), (1, Linear)], 3).unwrap();
        let settings = in_order(Loss::MeanSquaredError, Optimizer::sgd(0.1), 4, 2, path);
        let mut net = start.clone();
        let history = fit(&mut net, &x, &y, &settings).unwrap();
        let (want, net_by_hand) = fit_by_hand(&start, &x, &y, &settings);
        assert!(
            history.accuracy.is_empty(),
            "{path}, mse: accuracy {:?}",
            history.accuracy
        );
        assert_same_history(&format!("{path}, mse"), &history, &want);
        let diff = compare(&net, &net_by_hand);
        assert!(diff.bit_identical(), "{path}, mse: trained network: {diff}");
    }
}

// ---------------------------------------------------------------------------
// Shuffling: reproducible with a seed, row order without it
// ---------------------------------------------------------------------------

#[test]
fn same_seed_trains_identically_and_another_seed_shuffles_differently() {
    let (x, y) = separable_data(24, 2);
    let start = Network::new(2, &[(4, Sigmoid), (1, Sigmoid)], 5).unwrap();
    let run = |seed: u64, shuffle: bool| {
        let mut net = start.clone();
        let settings = FitSettings {
            optimizer: Optimizer::adam(0.05),
            epochs: 3,
            batch_size: 5,
            shuffle,
            seed,
            ..FitSettings::default()
        };
        let history = fit(&mut net, &x, &y, &settings).unwrap();
        (history, net)
    };
    let (history, net) = run(7, true);
    let (again, net_again) = run(7, true);
    assert_same_history("the same seed, run twice", &again, &history);
    let diff = compare(&net_again, &net);
    assert!(diff.bit_identical(), "the same seed, run twice: {diff}");
    // Another seed, another order of the rows: other batches, other losses.
    let (other, _) = run(8, true);
    assert_ne!(
        other.loss, history.loss,
        "seeds 7 and 8 gave the same history"
    );
    // And shuffling does something: rows in order give yet another history.
    let (unshuffled, _) = run(7, false);
    assert_ne!(
        unshuffled.loss, history.loss,
        "shuffled and in order gave the same history"
    );
}

/// With one batch per epoch, shuffling would only reorder the sums over the
/// batch, so `fit` keeps the rows in order: shuffled or not, any seed, the
/// same bits, on both paths (and equal to full-batch steps by hand).
#[test]
fn one_batch_per_epoch_trains_the_same_shuffled_or_not() {
    let (x, y) = separable_data(24, 2);
    let start = Network::new(2, &[(4, Sigmoid), (1, Sigmoid)], 5).unwrap();
    for path in Path::BOTH {
        let run = |seed: u64, shuffle: bool, batch_size: usize| {
            let mut net = start.clone();
            let settings = FitSettings {
                optimizer: Optimizer::sgd(0.5),
                epochs: 4,
                batch_size,
                shuffle,
                seed,
                path,
                ..FitSettings::default()
            };
            let history = fit(&mut net, &x, &y, &settings).unwrap();
            (history, net)
        };
        let (in_order, net) = run(0, false, 24);
        for (seed, batch) in [(1, 24), (2, 24), (3, 100)] {
            let (shuffled, net_shuffled) = run(seed, true, batch);
            assert_same_history("shuffled, one batch", &shuffled, &in_order);
            assert!(compare(&net_shuffled, &net).bit_identical(), "{path}");
        }
        // By hand: four full-batch gradient steps.
        let mut by_hand = start.clone();
        for _ in 0..4 {
            let (_, grads) = path
                .loss_and_gradients(&by_hand, &x, &y, Loss::BinaryCrossEntropy)
                .unwrap();
            dualpath::train::optim::Sgd { learning_rate: 0.5 }.step(&mut by_hand, &grads);
        }
        assert!(
            compare(&by_hand, &net).bit_identical(),
            "{path}: fit and steps by hand"
        );
    }
}

/// With `shuffle: false` and one row per batch, `fit` steps through rows
/// 0, 1, …, m - 1 in that order, every epoch: bit for bit the network
/// stepped by hand in that order (the same operations, as above).
#[test]
fn shuffle_off_steps_through_the_rows_in_order() {
    let (x, y) = five_examples(true);
    let start = Network::new(2, &[(3, Sigmoid), (1, Sigmoid)], 9).unwrap();
    for path in Path::BOTH {
        let settings = in_order(Loss::BinaryCrossEntropy, Optimizer::sgd(1.0), 2, 1, path);
        let mut net = start.clone();
        let history = fit(&mut net, &x, &y, &settings).unwrap();
        let (want, by_hand) = fit_by_hand(&start, &x, &y, &settings);
        assert_same_history(&format!("{path}"), &history, &want);
        let diff = compare(&net, &by_hand);
        assert!(diff.bit_identical(), "{path}: rows 0..5 in order: {diff}");
        // The order matters, so the check above could tell: rows 4..0 give another network.
        let reversed = DMatrix::from_fn(5, 2, |i, j| x[(4 - i, j)]);
        let reversed_y = DMatrix::from_fn(5, 1, |i, j| y[(4 - i, j)]);
        let (_, backwards) = fit_by_hand(&start, &reversed, &reversed_y, &settings);
        assert!(
            max_param_diff(&net, &backwards) > 0.0,
            "{path}: row order made no difference"
        );
    }
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// A linear unit `a = w·x + b` with `w = 0.5`, `b = 0`, on `x = 1, 2, 3`
/// with targets `y = x`, for mean squared error.
fn line_problem() -> (Network<f64>, DMatrix<f64>, DMatrix<f64>) {
    let net = Network::from_layers(vec![
        Dense::new(dmatrix![0.5], dvector![0.0], Linear).unwrap(),
    ])
    .unwrap();
    (
        net,
        mat(3, 1, &[1.0, 2.0, 3.0]),
        mat(3, 1, &[1.0, 2.0, 3.0]),
    )
}

#[test]
fn a_huge_learning_rate_stops_with_diverged_naming_the_epoch() {
    let (start, x, y) = line_problem();
    // Epoch 1: J = ((0.5 - 1)² + (1 - 2)² + (1.5 - 3)²)/3 = 3.5/3, finite; the
    // gradient dw = (2/3)·Σ x(a - y) = (2/3)·(-0.5 - 2 - 4.5) = -14/3 and
    // db = (2/3)·(-3) = -2, so the step makes w ≈ 4.7·10³⁰⁰ and b = 2·10³⁰⁰,
    // still finite. Epoch 2: a ≈ 1.6·10³⁰¹ at x = 3, and (a - y)² overflows
    // to ∞.
    for path in Path::BOTH {
        let mut net = start.clone();
        let settings = in_order(Loss::MeanSquaredError, Optimizer::sgd(1e300), 5, 32, path);
        let err = fit(&mut net, &x, &y, &settings).unwrap_err();
        match err {
            Error::Diverged {
                epoch,
                ref what,
                value,
                learning_rate,
            } => {
                assert_eq!(epoch, 2, "{path}: {err}");
                assert_eq!(what, "the loss");
                assert!(!value.is_finite(), "{path}: {err}");
                assert_eq!(learning_rate, 1e300);
            }
            _ => panic!("{path}: expected Error::Diverged, got {err:?}"),
        }
        let message = err.to_string();
        assert!(
            message.contains("epoch 2") && message.contains("smaller learning rate"),
            "{path}: message {message:?}"
        );
    }
}

#[test]
fn invalid_settings_are_refused_naming_the_setting() {
    let (start, x, y) = line_problem();
    let base = in_order(
        Loss::MeanSquaredError,
        Optimizer::sgd(0.1),
        1,
        32,
        Path::Matrix,
    );
    let sgd = |learning_rate| FitSettings {
        optimizer: Optimizer::sgd(learning_rate),
        ..base
    };
    let adam = |beta_1, epsilon| FitSettings {
        optimizer: Optimizer::Adam {
            learning_rate: 0.01,
            beta_1,
            beta_2: BETA_2,
            epsilon,
        },
        ..base
    };
    let cases = [
        ("learning rate", sgd(0.0)),
        ("learning rate", sgd(-0.1)),
        ("learning rate", sgd(f64::NAN)),
        ("learning rate", sgd(f64::INFINITY)),
        (
            "learning rate",
            FitSettings {
                optimizer: Optimizer::adam(0.0),
                ..base
            },
        ),
        ("epochs", FitSettings { epochs: 0, ..base }),
        (
            "batch size",
            FitSettings {
                batch_size: 0,
                ..base
            },
        ),
        ("beta_1", adam(1.0, EPSILON)),
        ("epsilon", adam(BETA_1, -1e-7)),
    ];
    for (setting, settings) in cases {
        let mut net = start.clone();
        let err = fit(&mut net, &x, &y, &settings).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidSetting { name, .. } if name == setting),
            "{settings:?}: expected an invalid {setting}, got {err:?}"
        );
        assert!(err.to_string().contains(setting), "message {err}");
        assert_eq!(net, start, "a refused fit must leave the network as it was");
    }
}

#[test]
fn labels_outside_zero_to_one_are_refused_for_binary_cross_entropy() {
    let (x, _) = five_examples(true);
    let start = Network::new(2, &[(3, Sigmoid), (1, Sigmoid)], 3).unwrap();
    let settings = in_order(
        Loss::BinaryCrossEntropy,
        Optimizer::sgd(0.1),
        1,
        32,
        Path::Matrix,
    );
    for (row, bad) in [(3, 2.0), (0, -0.5)] {
        let mut y = mat(5, 1, &[1.0, 0.0, 1.0, 1.0, 0.0]);
        y[(row, 0)] = bad;
        let mut net = start.clone();
        let err = fit(&mut net, &x, &y, &settings).unwrap_err();
        assert_eq!(
            err,
            Error::LabelOutOfRange {
                row,
                col: 0,
                value: bad
            }
        );
        assert_eq!(net, start);
    }
    // The same targets are fine for mean squared error.
    let mut net = Network::new(2, &[(3, Sigmoid), (1, Linear)], 3).unwrap();
    let y = mat(5, 1, &[2.0, 0.0, 1.0, -0.5, 0.0]);
    let mse = FitSettings {
        loss: Loss::MeanSquaredError,
        ..settings
    };
    fit(&mut net, &x, &y, &mse).unwrap();
}

#[test]
fn data_of_the_wrong_shape_is_refused() {
    let (x, y) = five_examples(true);
    let start = Network::new(2, &[(3, Sigmoid), (1, Sigmoid)], 3).unwrap();
    let settings = in_order(
        Loss::BinaryCrossEntropy,
        Optimizer::sgd(0.1),
        1,
        32,
        Path::Matrix,
    );
    let bad_y = [
        ("two outputs per example", DMatrix::from_element(5, 2, 1.0)),
        ("four examples", y.rows(0, 4).into_owned()),
    ];
    for (case, y) in bad_y {
        let mut net = start.clone();
        let err = fit(&mut net, &x, &y, &settings).unwrap_err();
        assert!(
            matches!(&err, Error::Shape { what, expected, .. } if what.contains("targets") && expected == "(5, 1)"),
            "{case}: {err:?}"
        );
        assert_eq!(net, start);
    }
    let mut net = start.clone();
    let three_features = DMatrix::from_element(5, 3, 0.5);
    let err = fit(&mut net, &three_features, &y, &settings).unwrap_err();
    assert!(
        matches!(&err, Error::Shape { what, .. } if what.contains("input X")),
        "{err:?}"
    );
}

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
                Optimizer::Sgd { learning_rate: lr } => {
                    for k in 0..n {
                        let e = lr * beta[k] + 2.0 * U * (p[k].abs() + 2.0 * lr * g[k].abs());
                        worst = worst.max(e);
                        p[k] -= lr * g[k];
                    }
                }
                Optimizer::Adam {
                    learning_rate: lr,
                    beta_1,
                    beta_2,
                    epsilon,
                } => {
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
    let settings = in_order(Loss::BinaryCrossEntropy, optimizer, 10, 32, Path::Matrix);
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
    let loss = Loss::BinaryCrossEntropy;
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

// ---------------------------------------------------------------------------
// Learning, in f64 and f32
// ---------------------------------------------------------------------------

/// The notes' network learns a separable problem: the loss falls far below
/// where it starts, and nearly every point, seen or held out, is classified
/// right. With Adam (the course labs') and plain gradient descent (the notes').
///
/// The thresholds have a wide margin over a run that was watched once: 30
/// epochs of 4 batches took the loss from 0.75 in the first epoch to about
/// 0.026 (Adam) and 0.018 (SGD) in the last, with every training and
/// held-out point right. The test asks for a loss below 0.1, a fifth of the
/// first epoch's, and 95% accuracy.
#[test]
fn training_lowers_the_loss_of_the_notes_network() {
    let (x, y) = separable_data(128, 4);
    let (x_held_out, y_held_out) = separable_data(256, 5);
    let start = notes_network(2);
    let (start_loss, _) = evaluate(&start, &x, &y, Loss::BinaryCrossEntropy, Path::Matrix).unwrap();
    for optimizer in [Optimizer::adam(0.01), Optimizer::sgd(1.0)] {
        let settings = FitSettings {
            optimizer,
            epochs: 30,
            seed: 1,
            ..FitSettings::default()
        };
        let mut net = start.clone();
        let history = fit(&mut net, &x, &y, &settings).unwrap();
        let (loss, accuracy) =
            evaluate(&net, &x, &y, Loss::BinaryCrossEntropy, Path::Matrix).unwrap();
        let (_, held_out) = evaluate(
            &net,
            &x_held_out,
            &y_held_out,
            Loss::BinaryCrossEntropy,
            Path::Matrix,
        )
        .unwrap();
        let (accuracy, held_out) = (accuracy.unwrap(), held_out.unwrap());
        let report = format!(
            "{}: loss {start_loss} at the start, {loss} after; per epoch {:?}; accuracy {accuracy}, \
             held out {held_out}",
            optimizer.name(),
            history.loss
        );
        assert!(loss < 0.1 && loss < start_loss, "{report}");
        assert!(history.loss[29] < history.loss[0] / 5.0, "{report}");
        assert!(accuracy >= 0.95 && held_out >= 0.95, "{report}");
    }
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
        Loss::BinaryCrossEntropy,
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

#[test]
fn a_weight_that_overflows_stops_training_naming_its_layer() {
    let (start, x, y) = line_problem();
    // Epoch 1's loss is finite (3.5/3, as above), but the one step of
    // -1e308·(-14/3) takes w past the largest f64 (about 1.8e308).
    for path in Path::BOTH {
        let mut net = start.clone();
        let settings = in_order(Loss::MeanSquaredError, Optimizer::sgd(1e308), 5, 32, path);
        let err = fit(&mut net, &x, &y, &settings).unwrap_err();
        let message = err.to_string();
        match err {
            Error::Diverged {
                epoch,
                ref what,
                value,
                ..
            } => {
                assert_eq!(
                    (epoch, what.as_str()),
                    (1, "a weight of layer 1"),
                    "{message}"
                );
                assert!(!value.is_finite(), "{message}");
            }
            _ => panic!("{path}: expected Error::Diverged, got {err:?}"),
        }
        assert!(
            message.contains("1e308"),
            "the rate prints short: {message}"
        );
    }
}

/// Three epochs of `fit` on the one-unit problem, on both paths, end with the
/// hand-computed parameters `p` and report the hand-computed losses.
fn fit_matches_hand(optimizer: Optimizer, name: &str, p: &[f64; 3], losses: &[f64]) {
    let (x, y) = one_unit_data(X, Y);
    for path in Path::BOTH {
        let mut net = one_unit_network(W0, B0);
        // batch_size 32 ≥ m = 2: one step per epoch, on both examples.
        let settings = in_order(Loss::BinaryCrossEntropy, optimizer, 3, 32, path);
        let history = fit(&mut net, &x, &y, &settings).unwrap();
        assert_near_hand(
            &format!("{path}: parameters after 3 {name} steps"),
            &one_unit_params(&net),
            p,
        );
        assert_near_hand(
            &format!("{path}: loss before each step"),
            &history.loss,
            losses,
        );
    }
}
