//! The optimizers: a few steps of gradient descent and of Adam on a
//! one-unit network, recomputed here in plain `f64` from the formulas (the
//! course's logistic-regression gradient, Keras' Adam), never from the crate.

use crate::common::mat;
use crate::helpers::{
    BETA_1, BETA_2, EPSILON, U, gradient_list, in_order, notes_network, params, separable_data,
};
use dualpath::Activation::Sigmoid;
use dualpath::train::{Optimizer, fit};
use dualpath::{Dense, Loss, Network, Path};
use nalgebra::{DMatrix, dmatrix, dvector};

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
            .loss_and_gradients(start, x, y, Loss::BINARY_CROSSENTROPY)
            .unwrap();
        let mut net = start.clone();
        let settings = in_order(
            Loss::BINARY_CROSSENTROPY,
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

/// Three epochs of `fit` on the one-unit problem, on both paths, end with the
/// hand-computed parameters `p` and report the hand-computed losses.
fn fit_matches_hand(optimizer: Optimizer, name: &str, p: &[f64; 3], losses: &[f64]) {
    let (x, y) = one_unit_data(X, Y);
    for path in Path::BOTH {
        let mut net = one_unit_network(W0, B0);
        // batch_size 32 ≥ m = 2: one step per epoch, on both examples.
        let settings = in_order(Loss::BINARY_CROSSENTROPY, optimizer, 3, 32, path);
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
