//! Independent truth (docs/DESIGN.md, "What identical means", layer 3): central
//! finite differences of the mean loss agree with both paths' gradients.
//!
//! Two paths that agree can share a bug (both call the same `Loss::output_dz`,
//! for one). A finite difference needs nothing but the forward pass and
//! `Loss::value`, so it checks every `dW` and `db` of both paths against
//! the definition of a derivative.
//!
//! # The finite difference and its tolerance
//!
//! For one parameter `θ`, with step `h = 1e-5·max(1, |θ|)`, the central
//! difference is
//!
//! `D(h) = (J(θ+h) - J(θ-h)) / ((θ+h) - (θ-h))`
//!
//! (dividing by the difference of the two rounded points, which is exact,
//! rather than by `2h` removes the error of rounding `θ ± h`). With
//! `S = max(1, |J|)` the scale of the loss, it differs from `J'(θ)` by
//!
//! - truncation, `D(h) - J' = h²/6·J''' + h⁴/120·J⁽⁵⁾ + …`. Measured over
//!   3000 cases of each loss, `h²/6·|J'''|` reached `3.4e-7·S`: binary
//!   cross-entropy on a clipped output, for one, has `ℓ''' = 2/a³`, 1.6e4 at
//!   `a = 0.05`, and nothing keeps `J'` from being small at the same time.
//!   So the test removes the `h²` term with one Richardson step,
//!   `g_num = (4·D(h) - D(2h)) / 3 = J' - h⁴/30·J⁽⁵⁾ + …`, whose truncation
//!   (`h⁴/30 ≈ 3e-22` times `J⁽⁵⁾`) is negligible next to the rounding;
//! - rounding. If one evaluation of `J` errs by `δJ`, `D(h)` errs by at most
//!   `δJ/h` and `D(2h)` by `δJ/(2h)`, so `g_num` by `1.5·δJ/h`. Each forward
//!   sum (at most 7 terms) errs by at most `γ₇ ≈ 7u` relative to its
//!   absolute terms, through at most 3 layers and the loss's mean: estimate
//!   `|δJ| ≲ 50·u·S` (u = 2⁻⁵³). Then
//!   `|g_num - J'| ≲ 1.5·50·1.1e-16·S / 1e-5 ≈ 8e-10·S`.
//!
//! The criterion mixes the two regimes:
//! `err = |g_num - g| / max(|g_num| + |g|, FLOOR·S) ≤ TOL = 1e-6`, with
//! `FLOOR = 1e-3`. A gradient smaller than `1e-3·S` is held to an absolute
//! `TOL·FLOOR·S = 1e-9·S`, just above the rounding estimate; a larger one to
//! a relative `1e-6`, where the rounding is at most `8e-10·S / 1e-3·S = 8e-7`
//! relative, and less as the gradient grows. Observed over the same 6000
//! cases: `|g_num - g|` at most `6e-11·S`, the worst `err` 4e-8; the plain
//! `D(h)` would have needed `FLOOR ≥ 0.34`, checking small gradients only
//! loosely. A wrong gradient, e.g. one missing a `g'(z)` factor, is off by
//! far more; a gradient scaled by `1 + 1e-5` already fails.
//!
//! # Kinks and clips
//!
//! A finite difference is only meaningful where `J` is smooth between `θ - 2h`
//! and `θ + 2h`. relu has a kink at 0, so a parameter is skipped when the
//! perturbation moves any relu pre-activation (any layer, any example) to the
//! other side of 0 (`z > 0` versus `z ≤ 0`, compared at `θ ± h` and `θ ± 2h`
//! against `θ`). Binary cross-entropy on a non-sigmoid output clips the
//! prediction to `[ε, 1 - ε]` (`ε = 1e-7`, as Keras): outside, the loss is
//! flat and the gradient 0. Those cases draw the output layer so that it
//! starts near the middle (`b ∈ [0.35, 0.65]`, `W ∈ [-0.1, 0.1]`), keep only
//! cases whose every prediction lies in `[0.05, 0.95]`, and also skip a
//! parameter whose perturbation crosses a clip (which, with that margin, does
//! not happen). A sigmoid output needs none of this: there the loss is
//! computed from `z`, smooth everywhere. Labels for binary cross-entropy are
//! in `[0, 1]`: hard 0 and 1, and soft labels between.
//!
//! # The library's own finite differences
//!
//! `dualpath::proof::gradcheck` (what the program's tour and the course
//! tests use) is checked at the end against the same quantities worked by
//! hand on one sigmoid unit: its `cost`, its central differences with their
//! documented step `h·max(1, |θ|)`, and `max_relative_error` on gradients
//! whose every ratio is known.

use crate::common::{LayerSpec, mat, network};
use dualpath::nn::loss::{BCE_EPSILON, LossKind};
use dualpath::proof::gradcheck::{cost, max_relative_error, numerical_gradients};
use dualpath::{Activation, Dense, Forward, Gradients, Loss, Network, Path};
use nalgebra::{DMatrix, DVector, dmatrix};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

/// Relative step: `h = STEP·max(1, |θ|)`; the differences use `h` and `2h`.
const STEP: f64 = 1e-5;
/// Largest accepted `err` (see the module comment).
const TOL: f64 = 1e-6;
/// Gradients below `FLOOR·max(1, |J|)` are compared absolutely.
const FLOOR: f64 = 1e-3;
/// Binary cross-entropy on a non-sigmoid output: predictions kept in
/// `[MARGIN, 1 - MARGIN]`, far inside the clip `[1e-7, 1 - 1e-7]`.
const MARGIN: f64 = 0.05;

#[derive(Clone, Debug)]
struct Case {
    layers: Vec<LayerSpec>,
    m: usize,
    x: Vec<f64>,
    y: Vec<f64>,
    loss: Loss,
}

impl Case {
    fn n_in(&self) -> usize {
        self.layers[0].n_in
    }
    fn n_out(&self) -> usize {
        self.layers[self.layers.len() - 1].units
    }
    fn output_activation(&self) -> Activation {
        self.layers[self.layers.len() - 1].activation
    }
    /// Binary cross-entropy on a clipped (non-sigmoid) output.
    fn clipped_output(&self) -> bool {
        self.loss == Loss::BINARY_CROSSENTROPY && self.output_activation() != Activation::Sigmoid
    }
}

fn layer(
    n_in: usize,
    units: usize,
    activation: Activation,
    w: std::ops::Range<f64>,
    b: std::ops::Range<f64>,
) -> impl Strategy<Value = LayerSpec> {
    (vec(w, n_in * units), vec(b, units)).prop_map(move |(w, b)| LayerSpec {
        n_in,
        units,
        w,
        b,
        activation,
    })
}

fn label(loss: Loss) -> BoxedStrategy<f64> {
    match loss.kind() {
        LossKind::MeanSquaredError => (-1.0..1.0).boxed(),
        LossKind::BinaryCrossentropy => prop_oneof![Just(0.0), Just(1.0), 0.0..=1.0].boxed(),
        other => unreachable!("this strategy draws element-wise labels, not {other:?}'s"),
    }
}

fn case(loss: Loss) -> impl Strategy<Value = Case> {
    (1..=3usize, 1..=8usize)
        .prop_flat_map(|(depth, m)| {
            (
                Just(m),
                vec(1..=6usize, depth + 1),
                vec(select(Activation::ALL.to_vec()), depth),
            )
        })
        .prop_flat_map(move |(m, widths, activations)| {
            let depth = activations.len();
            // Binary cross-entropy on a linear output is Keras'
            // BinaryCrossentropy(from_logits=True): the logits path.
            let loss = match (loss, activations[depth - 1]) {
                (Loss::BINARY_CROSSENTROPY, Activation::Linear) => {
                    Loss::BINARY_CROSSENTROPY.with_logits()
                }
                (l, _) => l,
            };
            let layers: Vec<_> = activations
                .iter()
                .enumerate()
                .map(|(l, &g)| {
                    let centred = l + 1 == depth
                        && loss == Loss::BINARY_CROSSENTROPY
                        && g != Activation::Sigmoid;
                    let (w, b) = if centred {
                        (-0.1..0.1, 0.35..0.65)
                    } else {
                        (-1.0..1.0, -0.5..0.5)
                    };
                    layer(widths[l], widths[l + 1], g, w, b)
                })
                .collect();
            (
                vec(-1.0..1.0, m * widths[0]),
                layers,
                vec(label(loss), m * widths[depth]),
            )
                .prop_map(move |(x, layers, y)| Case {
                    layers,
                    m,
                    x,
                    y,
                    loss,
                })
        })
}

/// Which side of every non-smooth point the forward pass is on: for each relu
/// pre-activation, `z > 0`; for a clipped binary cross-entropy output, whether
/// each prediction is below `ε` or above `1 - ε`.
fn sides(case: &Case, fwd: &Forward<'_, f64>) -> Vec<bool> {
    let mut s = Vec::new();
    for (spec, cache) in case.layers.iter().zip(fwd.layers()) {
        if spec.activation == Activation::Relu {
            s.extend(cache.z.iter().map(|&z| z > 0.0));
        }
    }
    if case.clipped_output() {
        for &a in fwd.output().iter() {
            s.push(a < BCE_EPSILON);
            s.push(a > 1.0 - BCE_EPSILON);
        }
    }
    s
}

fn mean_loss(case: &Case, fwd: &Forward<'_, f64>, y: &DMatrix<f64>) -> f64 {
    case.loss
        .value(case.output_activation(), fwd.output_z(), fwd.output(), y)
}

/// The network with one parameter set to `value`: `W[r, c]` of layer `l`, or
/// `b[c]` when `r` is `None`.
fn with_param(case: &Case, l: usize, r: Option<usize>, c: usize, value: f64) -> Network<f64> {
    let mut layers = case.layers.clone();
    let spec = &mut layers[l];
    match r {
        Some(r) => spec.w[r * spec.units + c] = value,
        None => spec.b[c] = value,
    }
    network(&layers)
}

/// The worst `err` seen, and where.
#[derive(Debug, Default)]
struct Worst {
    err: f64,
    at: String,
    checked: usize,
    skipped: usize,
}

fn check(case: &Case) -> Result<(), TestCaseError> {
    let net = network::<f64>(&case.layers);
    let x = mat::<f64>(case.m, case.n_in(), &case.x);
    let y = mat::<f64>(case.m, case.n_out(), &case.y);
    if case.clipped_output() {
        let fwd = Path::Matrix.forward(&net, &x).expect("a valid case");
        prop_assume!(
            fwd.output()
                .iter()
                .all(|&a| (MARGIN..=1.0 - MARGIN).contains(&a)),
            "predictions near the clip"
        );
    }
    let mut worst = Worst::default();
    for path in Path::BOTH {
        let fwd = path.forward(&net, &x).expect("a valid case");
        let j = mean_loss(case, &fwd, &y);
        let grads = path
            .backward(&net, &fwd, &y, case.loss)
            .expect("a valid case");
        let base_sides = sides(case, &fwd);
        let scale = j.abs().max(1.0);
        for (l, spec) in case.layers.iter().enumerate() {
            let weights = (0..spec.n_in).flat_map(|r| (0..spec.units).map(move |c| (Some(r), c)));
            let biases = (0..spec.units).map(|c| (None, c));
            for (r, c) in weights.chain(biases) {
                let (theta, g) = match r {
                    Some(r) => (spec.w[r * spec.units + c], grads.layers[l].dw[(r, c)]),
                    None => (spec.b[c], grads.layers[l].db[c]),
                };
                let h = STEP * theta.abs().max(1.0);
                // D(step), or None if a kink or a clip lies within the step.
                let central = |step: f64| {
                    let (up, down) = (theta + step, theta - step);
                    let fwd_up = path
                        .forward(&with_param(case, l, r, c, up), &x)
                        .expect("a valid case");
                    let fwd_down = path
                        .forward(&with_param(case, l, r, c, down), &x)
                        .expect("a valid case");
                    (sides(case, &fwd_up) == base_sides && sides(case, &fwd_down) == base_sides)
                        .then(|| {
                            (mean_loss(case, &fwd_up, &y) - mean_loss(case, &fwd_down, &y))
                                / (up - down)
                        })
                };
                let (Some(d1), Some(d2)) = (central(h), central(2.0 * h)) else {
                    worst.skipped += 1;
                    continue;
                };
                let g_num = (4.0 * d1 - d2) / 3.0; // Richardson: the h² terms cancel
                let err = (g_num - g).abs() / (g_num.abs() + g.abs()).max(FLOOR * scale);
                worst.checked += 1;
                if err > worst.err || err.is_nan() {
                    worst.err = if err.is_nan() { f64::INFINITY } else { err };
                    worst.at = format!(
                        "{path}, layer {} {}: finite difference {g_num:e} (plain central {d1:e}), backward {g:e}, J = {j:e}",
                        l + 1,
                        match r {
                            Some(r) => format!("dW[{r}, {c}]"),
                            None => format!("db[{c}]"),
                        }
                    );
                }
            }
        }
    }
    prop_assert!(
        worst.err <= TOL,
        "worst relative error {:e} > {TOL:e} at {} ({} parameters checked, {} skipped at a kink or clip)",
        worst.err,
        worst.at,
        worst.checked,
        worst.skipped
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn mse_gradients_match_finite_differences_on_both_paths(c in case(Loss::MEAN_SQUARED_ERROR)) {
        check(&c)?;
    }

    #[test]
    fn bce_gradients_match_finite_differences_on_both_paths(c in case(Loss::BINARY_CROSSENTROPY)) {
        check(&c)?;
    }
}

// ---------------------------------------------------------------------------
// `dualpath::proof::gradcheck`, by hand.

/// One sigmoid unit on two inputs, `W = [w₁, w₂]`, `b`, with weights on both
/// sides of 1 in size (so the step `h·max(1, |θ|)` is `h` for one and larger
/// for the others), and two examples.
fn one_unit(w1: f64, w2: f64, b: f64) -> Network<f64> {
    let dense = Dense::new(
        dmatrix![w1; w2],
        DVector::from_element(1, b),
        Activation::Sigmoid,
    )
    .expect("a valid layer");
    Network::from_layers(vec![dense]).expect("a valid network")
}

const UNIT: (f64, f64, f64) = (3.0, -0.4, 1.5);

fn unit_data() -> (DMatrix<f64>, DMatrix<f64>) {
    (dmatrix![1.0, -0.5; 0.25, 2.0], dmatrix![1.0; 0.0])
}

/// The mean squared error of [`one_unit`] on [`unit_data`], from its
/// definition with the standard library's `exp`: the mean over the two
/// examples of `(σ(zᵢ) - yᵢ)²`.
fn j_by_hand(w1: f64, w2: f64, b: f64) -> f64 {
    let (x, y) = unit_data();
    (0..2)
        .map(|i| {
            let z = w1 * x[(i, 0)] + w2 * x[(i, 1)] + b;
            let a = 1.0 / (1.0 + (-z).exp());
            (a - y[(i, 0)]).powi(2)
        })
        .sum::<f64>()
        / 2.0
}

/// How far the library's `J` may be from [`j_by_hand`]: each `σ` is within
/// `6u` of the exact value (the allowance `activation_accuracy` checks) and
/// the hand one within `4u` (an `exp` within 1 ulp, an add, a divide), so
/// each `(σ - y)²`, with `|σ - y| < 1`, moves by at most `2·10u`, and so
/// does their mean; the squares, the sum and the mean round by a few `u`
/// more.
const J_TOLERANCE: f64 = 32.0 * f64::EPSILON / 2.0;

#[test]
fn gradcheck_cost_is_the_mean_loss_on_either_path() {
    let (w1, w2, b) = UNIT;
    let (x, y) = unit_data();
    let want = j_by_hand(w1, w2, b);
    for path in Path::BOTH {
        let j = cost(&one_unit(w1, w2, b), &x, &y, Loss::MEAN_SQUARED_ERROR, path).unwrap();
        assert!(
            (j - want).abs() <= J_TOLERANCE,
            "{path}: J = {j}, by hand {want}"
        );
    }
}

#[test]
fn gradcheck_central_differences_take_the_documented_step() {
    let (x, y) = unit_data();
    let (w1, w2, b) = UNIT;
    let h = 0.1; // large, so that the step's size shows in the result
    let slopes =
        numerical_gradients(&one_unit(w1, w2, b), &x, &y, Loss::MEAN_SQUARED_ERROR, h).unwrap();
    // The parameters in the view's order (W column by column, then b).
    let params = [w1, w2, b];
    let got: Vec<f64> = slopes.slices().flatten().copied().collect();
    assert_eq!(got.len(), 3);
    for (i, (name, got)) in ["w1", "w2", "b"].into_iter().zip(got).enumerate() {
        let theta = params[i];
        // J as a function of this parameter alone.
        let j = |v: f64| {
            let mut p = params;
            p[i] = v;
            j_by_hand(p[0], p[1], p[2])
        };
        let central = |step: f64| (j(theta + step) - j(theta - step)) / (2.0 * step);
        let step = h * theta.abs().max(1.0);
        let want = central(step);
        // Each J within J_TOLERANCE, so the quotient within 2·J_TOLERANCE/(2·step),
        // and its own subtraction and division round by 2u of it.
        let tolerance = J_TOLERANCE / step + f64::EPSILON * want.abs();
        assert!(
            (got - want).abs() <= tolerance,
            "{name}: {got}, central difference with step {step}: {want}"
        );
        if theta.abs() > 1.0 {
            // With the plain step h the result would be far outside that.
            assert!((central(h) - want).abs() > 1e3 * tolerance, "{name}");
        }
    }
}

/// Gradients of [`one_unit`]'s shapes holding `values` (`w₁, w₂, b`).
fn gradients(values: [f64; 3]) -> Gradients<f64> {
    let mut g = Gradients::zeros_like(&one_unit(0.0, 0.0, 0.0));
    for (slot, v) in g.slices_mut().flatten().zip(values) {
        *slot = v;
    }
    g
}

#[test]
fn gradcheck_max_relative_error_by_hand() {
    let a = gradients([1.0, 1e-6, -2.0]);
    // |1 - 1.5| / (1 + 1.5) = 0.2; |1e-6 - (-1e-6)| / max(2e-6, floor); 0.
    let b = gradients([1.5, -1e-6, -2.0]);
    assert_eq!(max_relative_error(&a, &b, 1e-3), 0.5 / 2.5);
    assert_eq!(max_relative_error(&b, &a, 1e-3), 0.5 / 2.5);
    // A floor above every |g| + |ĝ| makes every error absolute, over the floor.
    assert_eq!(max_relative_error(&a, &b, 10.0), 0.5 / 10.0);
    // Where |g| + |ĝ| is below the floor, the floor divides: 2e-6 / 1e-3
    // (the other two agree).
    let c = gradients([1.0, -1e-6, -2.0]);
    assert_eq!(max_relative_error(&a, &c, 1e-3), 2e-6 / 1e-3);
    assert_eq!(max_relative_error(&a, &a, 1e-3), 0.0);
}
